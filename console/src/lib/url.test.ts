import { describe, expect, it } from "vitest";
import { safeHref } from "./url.js";

describe("safeHref", () => {
  it("keeps http(s) links", () => {
    expect(safeHref("https://github.com/acme/gitops/pull/1")).toBe("https://github.com/acme/gitops/pull/1");
    expect(safeHref("http://prometheus:9090/graph?g0.expr=up")).toBe(
      "http://prometheus:9090/graph?g0.expr=up",
    );
  });

  it.each([
    "javascript:alert(1)",
    " JavaScript:alert(1)",
    "data:text/html,<b>x</b>",
    "vbscript:x",
    "/relative",
    "",
    undefined,
  ])("drops %j", (url) => {
    expect(safeHref(url)).toBeUndefined();
  });
});
