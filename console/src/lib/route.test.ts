import { describe, expect, it } from "vitest";
import { apiListSearch, incidentHash, listHash, parseHash, sameFilters } from "./route.js";

describe("parseHash", () => {
  it("reads the list route with its filters", () => {
    expect(parseHash("#/?state=planned&q=oom&category=oom_killed&offset=50")).toEqual({
      page: "list",
      query: { state: "planned", q: "oom", category: "oom_killed", offset: 50 },
    });
  });

  it("treats an empty hash and #/ as the unfiltered list", () => {
    expect(parseHash("")).toEqual({ page: "list", query: { offset: 0 } });
    expect(parseHash("#/")).toEqual({ page: "list", query: { offset: 0 } });
  });

  it("drops values the API would reject", () => {
    expect(parseHash("#/?state=sleeping&category=nope&offset=-3&q=%20%20")).toEqual({
      page: "list",
      query: { offset: 0 },
    });
    expect(parseHash("#/?offset=2.5")).toEqual({ page: "list", query: { offset: 0 } });
  });

  it("reads an incident id, decoded", () => {
    expect(parseHash("#/incidents/inc-1%2Fx")).toEqual({ page: "incident", id: "inc-1/x" });
    expect(parseHash("#/incidents/inc-abc/")).toEqual({ page: "incident", id: "inc-abc" });
  });

  it("reports other paths as not found", () => {
    expect(parseHash("#/settings")).toEqual({ page: "not-found", path: "/settings" });
    expect(parseHash("#/incidents/%E0%A4%A")).toEqual({ page: "not-found", path: "/incidents/%E0%A4%A" });
  });
});

describe("listHash", () => {
  it("round-trips through parseHash", () => {
    const query = { state: "open" as const, namespace: "demo", q: "crash loop", offset: 100 };
    expect(parseHash(listHash(query))).toEqual({ page: "list", query });
  });

  it("is #/ without filters and leaves offset 0 out", () => {
    expect(listHash({ offset: 0 })).toBe("#/");
    expect(listHash({ q: "oom", offset: 0 })).toBe("#/?q=oom");
  });

  it("builds incident links with the id encoded", () => {
    expect(incidentHash("a b")).toBe("#/incidents/a%20b");
  });
});

describe("apiListSearch", () => {
  it("always sends limit and offset", () => {
    const params = new URLSearchParams(apiListSearch({ state: "failed", offset: 0 }));
    expect(Object.fromEntries(params)).toEqual({ state: "failed", limit: "50", offset: "0" });
  });
});

describe("sameFilters", () => {
  it("ignores the page but not the filters", () => {
    expect(sameFilters({ q: "x", offset: 0 }, { q: "x", offset: 50 })).toBe(true);
    expect(sameFilters({ q: "x", offset: 0 }, { q: "y", offset: 0 })).toBe(false);
  });
});
