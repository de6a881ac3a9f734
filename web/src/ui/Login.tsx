import { useState } from "preact/hooks";
import { createApi, orchestratorTransport } from "../api/clients";
import { describeError } from "../api/errors";
import { normaliseToken } from "../api/session";

export interface LoginProps {
  baseUrl: string;
  /** Why the person is here again (a refused token, a logout), shown above the form. */
  notice: string | null;
  onLoggedIn: (token: string) => void;
}

export function Login({ baseUrl, notice, onLoggedIn }: LoginProps) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const token = normaliseToken(value);
    if (token === "") {
      setError("paste the admin token first");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // Any admin-only call proves the token; GetQueue is the cheapest.
      const api = createApi(orchestratorTransport(baseUrl, () => token), baseUrl);
      await api.queue.getQueue({}, { timeoutMs: 10_000 });
      onLoggedIn(token);
    } catch (err) {
      setError(describeError(err, baseUrl).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form onSubmit={submit} class="card">
        <h1>DevServer</h1>
        <p class="muted">
          Paste the orchestrator's admin token (the file <code>admin.token</code> in the orchestrator's data directory; <code>./devserver up</code> prints where). It is kept
          in this tab only.
        </p>
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          autoFocus
        />
        {error !== null && (
          <div class="error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Checking…" : "Log in"}
        </button>
        <p class="muted small">Orchestrator: {baseUrl}</p>
      </form>
    </main>
  );
}
