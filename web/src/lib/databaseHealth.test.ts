import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/grpc/health/v1/health_pb";
import { followDatabaseHealth, type DatabaseHealth } from "./databaseHealth";

type Watch = (signal: AbortSignal) => AsyncIterable<{ status: ServingStatus }>;

/** Each call of the returned watch plays the next script: its statuses, then its end (an error, or a normal end). */
function scripted(scripts: { statuses: ServingStatus[]; then?: unknown }[], abort: AbortController): { watch: Watch; calls: () => number } {
  let calls = 0;
  const watch: Watch = async function* () {
    const script = scripts[calls++];
    if (script === undefined) {
      // Out of scripts: the test is done.
      abort.abort();
      return;
    }
    for (const status of script.statuses) {
      yield { status };
    }
    if (script.then !== undefined) {
      throw script.then;
    }
  };
  return { watch, calls: () => calls };
}

async function follow(scripts: { statuses: ServingStatus[]; then?: unknown }[]): Promise<{ seen: DatabaseHealth[]; pauses: number[]; watches: number }> {
  const abort = new AbortController();
  const { watch, calls } = scripted(scripts, abort);
  const seen: DatabaseHealth[] = [];
  const pauses: number[] = [];
  await followDatabaseHealth({
    watch,
    signal: abort.signal,
    onHealth: (h) => seen.push(h),
    backoffMs: (attempt) => attempt * 100,
    sleep: async (ms) => {
      pauses.push(ms);
    },
  });
  return { seen, pauses, watches: calls() };
}

describe("followDatabaseHealth", () => {
  it("reports each change the watch streams", async () => {
    const { seen } = await follow([{ statuses: [ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.SERVING] }]);

    expect(seen.slice(0, 3)).toEqual(["reachable", "unreachable", "reachable"]);
  });

  it("forgets an unreachable database when the watch fails, and watches again with a growing pause", async () => {
    const unavailable = new ConnectError("cannot reach", Code.Unavailable);
    const { seen, pauses, watches } = await follow([
      { statuses: [ServingStatus.NOT_SERVING], then: unavailable },
      { statuses: [], then: unavailable },
      { statuses: [ServingStatus.SERVING] },
    ]);

    expect(seen).toEqual(["unreachable", "unknown", "unknown", "reachable", "unknown"]);
    // A watch that delivered resets the count: 100 after the first failure, 200 after the second, 100 after the end.
    expect(pauses).toEqual([100, 200, 100]);
    expect(watches).toBe(4);
  });

  it("stops for good on an orchestrator without the health service", async () => {
    const { seen, watches } = await follow([
      { statuses: [], then: new ConnectError("unknown service", Code.Unimplemented) },
      { statuses: [ServingStatus.NOT_SERVING] },
    ]);

    expect(seen).toEqual(["unknown"]);
    expect(watches).toBe(1);
  });

  it("treats a service the orchestrator does not know as unknown, not as a database that is down", async () => {
    const { seen } = await follow([{ statuses: [ServingStatus.SERVICE_UNKNOWN] }]);

    expect(seen[0]).toBe("unknown");
  });
});
