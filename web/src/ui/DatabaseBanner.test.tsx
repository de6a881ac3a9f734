import { createRouterTransport } from "@connectrpc/connect";
import { act } from "preact/test-utils";
import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/grpc/health/v1/health_pb";
import { DATABASE_HEALTH_SERVICE } from "../lib/databaseHealth";
import { testAppContext } from "../test/appContext";
import { mount } from "../test/render";
import { Ctx } from "./context";
import { DatabaseBanner } from "./DatabaseBanner";

/** Renders the banner over an in-memory health service whose Watch streams `statuses` and then stays open. */
async function banner(statuses: ServingStatus[]): Promise<{ root: HTMLElement; watched: string[] }> {
  const watched: string[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(Health, {
      async *watch(request, context) {
        watched.push(request.service);
        for (const status of statuses) {
          yield { status };
        }
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
      },
    });
  });
  const app = testAppContext(transport);
  const root = mount(
    <Ctx.Provider value={app}>
      <DatabaseBanner />
    </Ctx.Provider>,
  );
  await act(async () => {
    await new Promise((r) => setTimeout(r, 10));
  });
  return { root, watched };
}

describe("the database banner", () => {
  it("says so, as an alert, while the orchestrator cannot reach its database", async () => {
    const { root, watched } = await banner([ServingStatus.NOT_SERVING]);

    expect(watched).toEqual([DATABASE_HEALTH_SERVICE]);
    const alert = root.querySelector('[role="alert"]');
    expect(alert?.textContent).toContain("The orchestrator cannot reach its database.");
  });

  it("shows nothing while the database is reachable again", async () => {
    const { root } = await banner([ServingStatus.NOT_SERVING, ServingStatus.SERVING]);

    expect(root.querySelector('[role="alert"]')).toBeNull();
    expect(root.textContent).toBe("");
  });
});
