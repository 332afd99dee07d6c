import { describe, expect, it } from "vitest";
import type { Envelope } from "../../transport/bus.js";
import { SqliteBusJournal } from "./sqlite-bus-journal.js";

function envelope(id: string, key = id, type: Envelope["type"] = "alerts"): Envelope {
  return { v: 1, type, id, idempotencyKey: key, publishedAt: "2025-01-01T00:00:00.000Z", payload: { n: id } };
}

describe("SqliteBusJournal", () => {
  it("appends once per idempotency key and stage", () => {
    const journal = SqliteBusJournal.open(":memory:");
    expect(journal.append("alerts", envelope("a", "k"))).toBe(true);
    expect(journal.append("alerts", envelope("b", "k"))).toBe(false);
    expect(journal.append("alerts", envelope("a", "other"))).toBe(false);
    expect(journal.append("incidents", envelope("c", "k", "incidents"))).toBe(true);
    expect(journal.pending().map((p) => [p.stage, p.envelope.id])).toEqual([
      ["alerts", "a"],
      ["incidents", "c"],
    ]);
    expect(journal.pending("incidents")).toEqual([
      { stage: "incidents", envelope: envelope("c", "k", "incidents"), deliveries: 0 },
    ]);
    journal.close();
  });

  it("counts deliveries and forgets finished messages from pending", () => {
    const journal = SqliteBusJournal.open(":memory:");
    journal.append("alerts", envelope("a"));
    journal.append("alerts", envelope("b"));
    journal.recordDelivery("alerts", "a");
    journal.recordDelivery("alerts", "a");
    expect(journal.pending("alerts").map((p) => p.deliveries)).toEqual([2, 0]);
    journal.markDone("alerts", "a", "ack");
    journal.markDone("alerts", "b", "term", "poison message: InputError: bad");
    expect(journal.pending()).toEqual([]);
    const [dead] = journal.deadLetters(10);
    expect(dead).toMatchObject({ stage: "alerts", reason: "poison message: InputError: bad", deliveries: 0 });
    expect(dead?.envelope).toEqual(envelope("b"));
    journal.close();
  });

  it("returns the newest dead letters, newest last", () => {
    const journal = SqliteBusJournal.open(":memory:");
    for (const id of ["1", "2", "3"]) {
      journal.append("alerts", envelope(id));
      journal.markDone("alerts", id, "term", `r${id}`);
    }
    expect(journal.deadLetters(2).map((d) => d.reason)).toEqual(["r2", "r3"]);
    journal.close();
  });

  it("prunes acked messages after retention and dead letters beyond the bound", () => {
    let now = Date.parse("2025-01-01T00:00:00.000Z");
    const journal = SqliteBusJournal.open(":memory:", {
      retainAckedMs: 1_000,
      maxDeadLetters: 1,
      now: () => now,
    });
    journal.append("alerts", envelope("acked", "k"));
    journal.markDone("alerts", "acked", "ack");
    expect(journal.append("alerts", envelope("again", "k"))).toBe(false);
    for (const id of ["d1", "d2"]) {
      journal.append("alerts", envelope(id));
      journal.markDone("alerts", id, "term", id);
    }
    now += 5_000;
    expect(journal.prune()).toBe(2);
    expect(journal.deadLetters(10).map((d) => d.reason)).toEqual(["d2"]);
    // Past retention, the key is accepted again.
    expect(journal.append("alerts", envelope("again", "k"))).toBe(true);
    journal.close();
  });

  it("rejects calls after close", () => {
    const journal = SqliteBusJournal.open(":memory:");
    journal.close();
    expect(() => journal.pending()).toThrow(/closed/);
  });
});
