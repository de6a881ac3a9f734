// Routes of the Settings and Logs pages (#/settings, #/logs). Checked before parseRoute (route.ts), which would
// call them unknown pages.
export type AdminRoute = { page: "settings" } | { page: "logs" };

export function parseAdminRoute(hash: string): AdminRoute | null {
  const path = hash.replace(/^#/, "").split("?", 1)[0] ?? "";
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length !== 1) {
    return null;
  }
  switch (parts[0]) {
    case "settings":
      return { page: "settings" };
    case "logs":
      return { page: "logs" };
    default:
      return null;
  }
}
