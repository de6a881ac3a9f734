// Whether the orchestrator can reach its database, from its standard gRPC health service: grpc.health.v1.Health's Watch
// on "devserver.database" (HealthServiceNames.Database in the contracts) streams each change. While the database is
// down every call that needs it answers UNAVAILABLE; the banner says why once, for the whole dashboard, instead of each
// page showing only its own failed call.
import { isPermanent } from "../api/errors";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/grpc/health/v1/health_pb";
import { abortableSleep, defaultBackoffMs } from "./resumable";

export const DATABASE_HEALTH_SERVICE = "devserver.database";

/**
 * "unknown" means not reported: before the first answer, while the orchestrator itself cannot be reached (the pages
 * say that), or from an orchestrator that does not report its database.
 */
export type DatabaseHealth = "reachable" | "unreachable" | "unknown";

export interface FollowDatabaseHealthOptions {
  /** Opens the health Watch for DATABASE_HEALTH_SERVICE. */
  watch: (signal: AbortSignal) => AsyncIterable<{ status: ServingStatus }>;
  signal: AbortSignal;
  onHealth: (health: DatabaseHealth) => void;
  /** Delay before watch number `attempt` + 1 after `attempt` failures in a row. */
  backoffMs?: (attempt: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function databaseHealthOf(status: ServingStatus): DatabaseHealth {
  switch (status) {
    case ServingStatus.SERVING:
      return "reachable";
    case ServingStatus.NOT_SERVING:
      return "unreachable";
    default:
      return "unknown";
  }
}

/**
 * Reports the database's health until `signal` aborts: watches, and watches again after the stream ends or fails (the
 * orchestrator restarted, the network dropped), with a growing pause. Stops for good on an error that watching again
 * cannot cure (an orchestrator without the health service).
 */
export async function followDatabaseHealth(options: FollowDatabaseHealthOptions): Promise<void> {
  const { watch, signal, onHealth, backoffMs = defaultBackoffMs, sleep = abortableSleep } = options;
  let failures = 0;
  while (!signal.aborted) {
    try {
      for await (const answer of watch(signal)) {
        failures = 0;
        onHealth(databaseHealthOf(answer.status));
      }
    } catch (error) {
      if (!signal.aborted && isPermanent(error)) {
        onHealth("unknown");
        return;
      }
    }
    if (signal.aborted) {
      return;
    }
    // Between watches nothing is known: a stale "unreachable" must not outlive the stream that reported it.
    onHealth("unknown");
    failures += 1;
    await sleep(backoffMs(failures), signal);
  }
}
