import { describe, expect, it } from "vitest";
import type { IncidentSummary } from "../../../src/core/incident.js";
import { mergeSummary, type ListPage } from "./list-page.js";

function summary(id: string, minute: number, patch: Partial<IncidentSummary> = {}): IncidentSummary {
  const openedAt = `2024-05-01T10:${String(minute).padStart(2, "0")}:00.000Z`;
  return {
    id,
    correlationKey: id,
    state: "open",
    alertname: "KubePodCrashLooping",
    namespace: "shop",
    notifications: 1,
    openedAt,
    updatedAt: openedAt,
    alertCount: 1,
    ...patch,
  };
}

function page(items: IncidentSummary[], extra: Partial<ListPage> = {}): ListPage {
  return { items, total: items.length, limit: 50, offset: 0, ...extra };
}

const ids = (p: ListPage): string[] => p.items.map((i) => i.id);

describe("mergeSummary", () => {
  it("inserts a new matching incident at the top and counts it", () => {
    const before = page([summary("b", 2), summary("a", 1)]);
    const { page: after, change } = mergeSummary(before, summary("c", 3), { offset: 0 });
    expect(change).toBe("inserted");
    expect(ids(after)).toEqual(["c", "b", "a"]);
    expect(after.total).toBe(3);
    expect(ids(before)).toEqual(["b", "a"]);
  });

  it("updates an incident in place", () => {
    const before = page([summary("b", 2), summary("a", 1)]);
    const update = summary("a", 1, { state: "planned", updatedAt: "2024-05-01T10:05:00.000Z" });
    const { page: after, change } = mergeSummary(before, update, { offset: 0 });
    expect(change).toBe("updated");
    expect(ids(after)).toEqual(["b", "a"]);
    expect(after.items[1]?.state).toBe("planned");
    expect(after.total).toBe(2);
  });

  it("ignores an event older than the row it would replace", () => {
    const row = summary("a", 1, { state: "planned", updatedAt: "2024-05-01T10:05:00.000Z" });
    const stale = summary("a", 1, { state: "open", updatedAt: "2024-05-01T10:02:00.000Z" });
    const { page: after, change } = mergeSummary(page([row]), stale, { offset: 0 });
    expect(change).toBe("ignored");
    expect(after.items[0]?.state).toBe("planned");
  });

  it("removes a row that no longer matches the filters", () => {
    const before = page([summary("b", 2), summary("a", 1)]);
    const update = summary("b", 2, { state: "resolved", updatedAt: "2024-05-01T10:09:00.000Z" });
    const { page: after, change } = mergeSummary(before, update, { state: "open", offset: 0 });
    expect(change).toBe("removed");
    expect(ids(after)).toEqual(["a"]);
    expect(after.total).toBe(1);
  });

  it("ignores an incident that does not match the filters", () => {
    const before = page([summary("a", 1)]);
    const { page: after, change } = mergeSummary(before, summary("x", 5, { namespace: "other" }), {
      namespace: "shop",
      offset: 0,
    });
    expect(change).toBe("ignored");
    expect(after).toBe(before);
  });

  it("places an older incident that starts matching where the server would sort it", () => {
    const before = page([summary("c", 3), summary("a", 1)]);
    const { page: after } = mergeSummary(before, summary("b", 2), { offset: 0 });
    expect(ids(after)).toEqual(["c", "b", "a"]);
  });

  it("keeps a full page at its limit, dropping the last row", () => {
    const before = page([summary("b", 2), summary("a", 1)], { limit: 2, total: 7 });
    const { page: after } = mergeSummary(before, summary("c", 3), { offset: 0 });
    expect(ids(after)).toEqual(["c", "b"]);
    expect(after.total).toBe(8);
  });

  it("leaves incidents that belong to another page to the next fetch", () => {
    const later = page([summary("b", 2), summary("a", 1)], { offset: 50, total: 52 });
    expect(mergeSummary(later, summary("new", 9), { offset: 50 }).change).toBe("ignored");
    const full = page([summary("c", 3), summary("b", 2)], { limit: 2, total: 9 });
    expect(mergeSummary(full, summary("old", 0), { offset: 0 }).change).toBe("ignored");
  });
});
