// The app context a component test renders a page in: the real clients over an in-memory transport (Connect's
// createRouterTransport), errors described as the app does, and an event feed that opens only if a test subscribes.
import type { Transport } from "@connectrpc/connect";
import { createApi } from "../api/clients";
import { describeError } from "../api/errors";
import { createEventFeed } from "../lib/eventFeed";
import type { AppContext } from "../ui/context";

export function testAppContext(transport: Transport): AppContext {
  const api = createApi(transport, "http://orchestrator.test");
  return {
    api,
    report: (error) => describeError(error, api.baseUrl),
    events: createEventFeed({ open: (after, signal) => api.events.watchEvents({ afterPosition: after }, { signal }), retryable: () => false }),
  };
}
