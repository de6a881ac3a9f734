import { Code, ConnectError } from "@connectrpc/connect";
// The browser's IANA time zone, so "today" and the analytics' days start at the person's midnight.
export function browserTimeZone(resolve: () => string | undefined = () => Intl.DateTimeFormat().resolvedOptions().timeZone): string {
  try {
    const zone = resolve();
    // Empty means UTC to the orchestrator, the safest fallback when the browser does not say.
    return typeof zone === "string" ? zone.trim() : "";
  } catch {
    return "";
  }
}

/**
 * True when the orchestrator refused the zone we sent (INVALID_ARGUMENT for an unknown zone): the caller then
 * asks again with "" (UTC) instead of showing nothing.
 */
export function isZoneRejected(error: unknown, zone: string): boolean {
  return zone !== "" && ConnectError.from(error).code === Code.InvalidArgument;
}
