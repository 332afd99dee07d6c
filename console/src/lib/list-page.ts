/**
 * Merging a live incident summary into the page on screen. The server orders incidents
 * newest `openedAt` first, so an incident is placed where the server would put it; one
 * that sorts before or after this page belongs to another page and is left to the next
 * fetch (a reconnect re-fetches anyway).
 */
import type { IncidentSummary } from "../../../src/core/incident.js";
import { matchesIncidentQuery } from "../../../src/store/incident-query.js";
import type { ListQuery } from "./route.js";

export interface ListPage {
  items: IncidentSummary[];
  total: number;
  limit: number;
  offset: number;
}

/** What a merge did: replaced a row, added one, removed one that no longer matches, or nothing (also for a stale event). */
export type MergeChange = "updated" | "inserted" | "removed" | "ignored";

export interface MergeResult {
  page: ListPage;
  change: MergeChange;
}

/** Index at which `openedAt` belongs in a newest-first list; ties go first, as a later insertion. */
function insertionIndex(items: readonly IncidentSummary[], openedAt: string): number {
  const index = items.findIndex((item) => item.openedAt <= openedAt);
  return index < 0 ? items.length : index;
}

export function mergeSummary(page: ListPage, summary: IncidentSummary, query: ListQuery): MergeResult {
  const existing = page.items.findIndex((item) => item.id === summary.id);
  const matches = matchesIncidentQuery(summary, query);
  if (existing >= 0) {
    // An event older than the row (it raced a fetch) must not undo a newer state.
    if ((page.items[existing]?.updatedAt ?? "") > summary.updatedAt) return { page, change: "ignored" };
    const items = [...page.items];
    if (matches) {
      items[existing] = summary;
      return { page: { ...page, items }, change: "updated" };
    }
    items.splice(existing, 1);
    return { page: { ...page, items, total: Math.max(page.total - 1, 0) }, change: "removed" };
  }
  if (!matches) return { page, change: "ignored" };
  const index = insertionIndex(page.items, summary.openedAt);
  // Before the first row of a later page, it belongs to an earlier page.
  if (index === 0 && page.offset > 0) return { page, change: "ignored" };
  // After the last row of a full page, it belongs to a later page.
  if (index === page.items.length && page.items.length >= page.limit) return { page, change: "ignored" };
  const items = [...page.items];
  items.splice(index, 0, summary);
  if (items.length > page.limit) items.length = page.limit;
  return { page: { ...page, items, total: page.total + 1 }, change: "inserted" };
}
