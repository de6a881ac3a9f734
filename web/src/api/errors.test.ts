import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { createApi, orchestratorTransport } from "./clients";
import { describeError, isPermanent } from "./errors";

const AT = "http://127.0.0.1:5181";
const say = (code: Code, message = "") => describeError(new ConnectError(message, code), AT);

describe("error wording", () => {
  it("a refused token sends the person back to log in", () => {
    expect(say(Code.Unauthenticated)).toMatchObject({ message: "the orchestrator refused the token; log in again with the admin token", needsLogin: true });
    expect(say(Code.PermissionDenied)).toMatchObject({ needsLogin: true });
    expect(say(Code.PermissionDenied).message).toMatch(/admin token/);
  });

  it("passes the server's reason through for not found, failed precondition and bad requests", () => {
    expect(say(Code.NotFound, "task 9 does not exist").message).toBe("not found: task 9 does not exist");
    expect(say(Code.FailedPrecondition, "the task is running").message).toBe("not possible now: the task is running");
    expect(say(Code.InvalidArgument, "title is empty").message).toBe("the orchestrator rejected the request: title is empty");
    expect(say(Code.NotFound).message).toBe("not found");
  });

  it("says the orchestrator cannot be reached for Unavailable and for a failed fetch", () => {
    expect(say(Code.Unavailable)).toMatchObject({ message: `cannot reach the orchestrator at ${AT} (it is down or restarting)`, transient: true });
    expect(describeError(new TypeError("Failed to fetch"), AT)).toMatchObject({ message: `cannot reach the orchestrator at ${AT}`, transient: true });
    expect(say(Code.Unavailable, "HTTP 503").message).toBe(`cannot reach the orchestrator at ${AT} (it is down or restarting)`);
  });

  it("passes on why an orchestrator that answered is unavailable", () => {
    expect(say(Code.Unavailable, "the database cannot be reached; try again shortly")).toMatchObject({
      message: `the orchestrator at ${AT} is unavailable: the database cannot be reached; try again shortly`,
      transient: true,
    });
  });

  it("words the rest without leaking codes", () => {
    expect(say(Code.DeadlineExceeded).message).toBe("the orchestrator took too long to answer");
    expect(say(Code.Unimplemented).message).toMatch(/does not offer that call/);
    expect(say(Code.Internal, "boom").message).toBe("the orchestrator failed: boom");
    expect(say(Code.Unknown, "odd").message).toBe("something went wrong: odd");
    expect(describeError(new DOMException("x", "AbortError"), AT).message).toBe("the request was cancelled");
  });

  it("marks what reconnecting cannot cure", () => {
    expect(isPermanent(new ConnectError("", Code.Unauthenticated))).toBe(true);
    expect(isPermanent(new ConnectError("", Code.NotFound))).toBe(true);
    expect(isPermanent(new ConnectError("", Code.Unavailable))).toBe(false);
    expect(isPermanent(new TypeError("Failed to fetch"))).toBe(false);
  });
});

// The real gRPC-Web transport against real HTTP servers on loopback: what the browser's fetch sees.
describe("gRPC-Web transport", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  async function serve(handler: (headers: IncomingHttpHeaders, url: string) => { status: number; headers: Record<string, string> }): Promise<string> {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const r = handler(req.headers, req.url ?? "");
        res.writeHead(r.status, r.headers);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
  }

  it("sends the bearer token in the authorization header and maps a refusal", async () => {
    let seen: IncomingHttpHeaders = {};
    let path = "";
    const url = await serve((headers, u) => {
      seen = headers;
      path = u;
      // A trailers-only gRPC-Web response: the status in the headers.
      return { status: 200, headers: { "content-type": "application/grpc-web+proto", "grpc-status": "16", "grpc-message": "unknown token" } };
    });
    const api = createApi(orchestratorTransport(url, () => "s3cret"), url);
    const error = await api.queue.getQueue({}).catch((e: unknown) => e);
    expect(seen.authorization).toBe("Bearer s3cret");
    expect(seen["content-type"]).toBe("application/grpc-web+proto");
    expect(path).toBe("/devserver.queue.v1.QueueService/GetQueue");
    expect(describeError(error, url)).toMatchObject({ message: "the orchestrator refused the token; log in again with the admin token", needsLogin: true });
  });

  it("a proxy's 502 (orchestrator down behind the dev server) reads as unreachable", async () => {
    const url = await serve(() => ({ status: 502, headers: { "content-type": "text/plain" } }));
    const api = createApi(orchestratorTransport(url, () => "t"), url);
    const error = await api.tasks.getTask({ id: 1n }).catch((e: unknown) => e);
    expect(describeError(error, url).message).toMatch(/^cannot reach the orchestrator at http:\/\/127\.0\.0\.1:\d+/);
  });

  it("a closed port reads as unreachable", async () => {
    const url = await serve(() => ({ status: 200, headers: {} }));
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const api = createApi(orchestratorTransport(url, () => "t"), url);
    const error = await api.queue.getQueue({}).catch((e: unknown) => e);
    expect(describeError(error, url)).toMatchObject({ message: `cannot reach the orchestrator at ${url}`, transient: true });
  });
});
