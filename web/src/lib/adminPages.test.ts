import { describe, expect, it } from "vitest";
import { parseAdminRoute } from "./adminPages";

describe("settings and logs routes", () => {
  it("recognises #/settings and #/logs, with or without a query or trailing slash", () => {
    expect(parseAdminRoute("#/settings")).toEqual({ page: "settings" });
    expect(parseAdminRoute("#/logs/")).toEqual({ page: "logs" });
    expect(parseAdminRoute("#/logs?level=error")).toEqual({ page: "logs" });
  });

  it("leaves every other address to the other routers", () => {
    for (const hash of ["", "#/", "#/tasks", "#/tasks/4", "#/settings/x", "#/logsx"]) {
      expect(parseAdminRoute(hash)).toBeNull();
    }
  });
});
