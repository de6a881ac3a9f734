import { describe, expect, it } from "vitest";
import { normaliseToken, sessionTokenStore } from "./session";

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  };
}

describe("token handling", () => {
  it("stores, reads and clears the token", () => {
    const store = sessionTokenStore(memoryStorage());
    expect(store.get()).toBeNull();
    store.set("  abc  ");
    expect(store.get()).toBe("abc");
    store.clear();
    expect(store.get()).toBeNull();
  });

  it("accepts a pasted token with a Bearer prefix, spaces or a line break", () => {
    expect(normaliseToken("Bearer abc123\n")).toBe("abc123");
    expect(normaliseToken("  bearer  x y ")).toBe("xy");
    expect(normaliseToken("   ")).toBe("");
  });
});
