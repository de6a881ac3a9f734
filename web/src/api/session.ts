// The admin token lives in sessionStorage: it survives a reload but not closing the tab, and is never sent
// anywhere but the orchestrator this page came from.
const KEY = "devserver.token";

export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

export function sessionTokenStore(storage: Storage = sessionStorage): TokenStore {
  return {
    get: () => {
      const value = storage.getItem(KEY);
      return value === null || value.trim() === "" ? null : value;
    },
    set: (token) => storage.setItem(KEY, token.trim()),
    clear: () => storage.removeItem(KEY),
  };
}

/** Accepts a pasted token with or without the "Bearer " prefix and stray whitespace or line breaks. */
export function normaliseToken(input: string): string {
  return input.replace(/^\s*bearer\s+/i, "").replace(/\s+/g, "");
}
