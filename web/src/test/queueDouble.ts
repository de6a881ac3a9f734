// An in-memory QueueService for the WatchQueue loops' tests (snapshots.ts, zonedSnapshots.ts).
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { QueueService, type WatchQueueRequest } from "../gen/devserver/queue/v1/queue_pb";

/** What WatchQueue does on one call: send snapshots with these queued counts, then fail, stay open or end. */
export interface PlannedWatch {
  queued: number[];
  error?: ConnectError;
  stayOpen?: boolean;
}

/**
 * WatchQueue follows `perCall[i]` on call i (past the plan: no snapshots, stays open) and refuses the zones in
 * `unknownZones` with INVALID_ARGUMENT, as the orchestrator does. `zones` records the zone each call asked for.
 */
export function plannedQueue(perCall: PlannedWatch[], unknownZones: string[] = []) {
  const zones: string[] = [];
  let call = 0;
  const transport = createRouterTransport(({ service }) => {
    service(QueueService, {
      async *watchQueue(req: WatchQueueRequest) {
        zones.push(req.timeZone);
        if (unknownZones.includes(req.timeZone)) {
          throw new ConnectError(`unknown time zone ${req.timeZone}`, Code.InvalidArgument);
        }
        const plan = perCall[call++] ?? { queued: [], stayOpen: true };
        for (const queued of plan.queued) {
          yield { queue: { queued, maxConcurrency: 2 }, workers: [{ id: `w${queued}` }] };
        }
        if (plan.error !== undefined) {
          throw plan.error;
        }
        if (plan.stayOpen === true) {
          await new Promise(() => {});
        }
      },
      async getQueue() {
        return {};
      },
      async updateQueue() {
        return {};
      },
      async listWorkers() {
        return {};
      },
    });
  });
  return { client: createClient(QueueService, transport), zones };
}
