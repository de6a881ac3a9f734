// API failures in words a person understands. Connect turns every failure (a gRPC status, an HTTP error from a
// proxy, a fetch that could not connect) into a ConnectError with a code; this maps the code to a sentence.
import { Code, ConnectError } from "@connectrpc/connect";

export interface Problem {
  /** One sentence for the person. */
  message: string;
  /** True when the token is the problem: the app sends the person back to the login page. */
  needsLogin: boolean;
  /** True when trying again later may help (the orchestrator is down or restarting). */
  transient: boolean;
  code: Code | undefined;
}

/** True when the error is the browser failing to connect at all (connection refused, DNS, CORS, offline). */
function isNetworkFailure(error: ConnectError): boolean {
  if (error.cause instanceof TypeError) {
    return true;
  }
  return error.code === Code.Unknown && /failed to fetch|networkerror|network error|load failed|fetch failed/i.test(error.rawMessage);
}

function withDetail(sentence: string, detail: string): string {
  const text = detail.trim();
  return text === "" ? sentence : `${sentence}: ${text}`;
}

export function describeError(error: unknown, orchestrator: string): Problem {
  if (error instanceof DOMException && error.name === "AbortError") {
    return { message: "the request was cancelled", needsLogin: false, transient: false, code: Code.Canceled };
  }
  const e = ConnectError.from(error);
  const detail = e.rawMessage;
  const problem = (message: string, needsLogin = false, transient = false): Problem => ({
    message,
    needsLogin,
    transient,
    code: e.code,
  });
  if (isNetworkFailure(e)) {
    return problem(`cannot reach the orchestrator at ${orchestrator}`, false, true);
  }
  switch (e.code) {
    case Code.Unauthenticated:
      return problem("the orchestrator refused the token; log in again with the admin token", true);
    case Code.PermissionDenied:
      return problem("this token may not do that: the dashboard needs the admin token (a worker token only opens the mesh)", true);
    case Code.NotFound:
      return problem(withDetail("not found", detail));
    case Code.FailedPrecondition:
      return problem(withDetail("not possible now", detail));
    case Code.InvalidArgument:
      return problem(withDetail("the orchestrator rejected the request", detail));
    case Code.AlreadyExists:
      return problem(withDetail("that already exists", detail));
    case Code.Unavailable:
      // With a gRPC message the orchestrator itself answered (it runs; its database may be down, say). Without one, or
      // with connect's "HTTP 502"-style text for a proxy's error page, nothing behind the address answered.
      return detail.trim() !== "" && !/^HTTP \d+/.test(detail)
        ? problem(`the orchestrator at ${orchestrator} is unavailable: ${detail.trim()}`, false, true)
        : problem(`cannot reach the orchestrator at ${orchestrator} (it is down or restarting)`, false, true);
    case Code.DeadlineExceeded:
      return problem("the orchestrator took too long to answer", false, true);
    case Code.ResourceExhausted:
      return problem(withDetail("the orchestrator is too busy right now", detail), false, true);
    case Code.Unimplemented:
      return problem("this orchestrator does not offer that call (is it an older version than the dashboard?)");
    case Code.Canceled:
      return problem("the request was cancelled");
    case Code.Internal:
    case Code.DataLoss:
      return problem(withDetail("the orchestrator failed", detail));
    default:
      return problem(withDetail("something went wrong", detail));
  }
}

/** Errors after which reconnecting a stream cannot help. */
export function isPermanent(error: unknown): boolean {
  const code = ConnectError.from(error).code;
  return (
    code === Code.Unauthenticated ||
    code === Code.PermissionDenied ||
    code === Code.NotFound ||
    code === Code.InvalidArgument ||
    code === Code.Unimplemented ||
    code === Code.FailedPrecondition
  );
}
