import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { browserTimeZone, isZoneRejected } from "./timezone";

describe("browser time zone", () => {
  it("is the browser's IANA zone, or empty (UTC) when it cannot be read", () => {
    expect(browserTimeZone(() => "Europe/Berlin")).toBe("Europe/Berlin");
    expect(browserTimeZone(() => undefined)).toBe("");
    expect(
      browserTimeZone(() => {
        throw new RangeError("no Intl");
      }),
    ).toBe("");
    expect(typeof browserTimeZone()).toBe("string");
  });
});

describe("a refused time zone", () => {
  it("is an INVALID_ARGUMENT answer to a request that named a zone", () => {
    const invalid = new ConnectError("unknown time zone Mars/Olympus", Code.InvalidArgument);
    expect(isZoneRejected(invalid, "Mars/Olympus")).toBe(true);
    // Already UTC: asking again cannot help, the error is reported.
    expect(isZoneRejected(invalid, "")).toBe(false);
    expect(isZoneRejected(new ConnectError("down", Code.Unavailable), "Europe/Berlin")).toBe(false);
  });
});
