import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "../api/clients";
import { describeError, type Problem } from "../api/errors";
import type { EventFeed } from "../lib/eventFeed";

export interface AppContext {
  api: Api;
  /** Turns an error into words; a refused token also sends the person back to the login page. */
  report: (error: unknown) => Problem;
  /** The tab's one global event stream (WatchEvents), shared by every view that follows all tasks. */
  events: EventFeed;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const ctx = useContext(Ctx);
  if (ctx === null) {
    throw new Error("useApp outside the app");
  }
  return ctx;
}

export function makeReporter(baseUrl: string, onLoginNeeded: (message: string) => void): (error: unknown) => Problem {
  return (error) => {
    const problem = describeError(error, baseUrl);
    if (problem.needsLogin) {
      onLoginNeeded(problem.message);
    }
    return problem;
  };
}
