import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.js";
import { openDatabase } from "../../store/sqlite/database.js";
import { describeVectorStoreContract, freshSpace, makeRecord, unitVector } from "../vector-store.contract.js";
import { EmbeddedVectorStore } from "./embedded-vector-store.js";

describeVectorStoreContract("embedded", async () => EmbeddedVectorStore.open(":memory:"));

describe("EmbeddedVectorStore", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiops-embedded-vectors-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps its vectors in the database file across reopenings, beside the program's tables", async () => {
    const path = join(dir, "persist.db");
    const space = freshSpace();
    const first = EmbeddedVectorStore.open(path);
    await first.upsert(space, [{ vector: unitVector(8, [1]), record: makeRecord("p1") }]);
    await first.close();
    const second = EmbeddedVectorStore.open(path);
    expect(await second.count(space)).toBe(1);
    expect((await second.query(space, unitVector(8, [1]), 1))[0]?.incidentId).toBe("p1");
    await second.close();
  });

  it("takes a handle it does not close, and sees writes made through another connection", async () => {
    const path = join(dir, "shared.db");
    const space = freshSpace();
    const dbA = openDatabase(path);
    const dbB = openDatabase(path);
    const a = new EmbeddedVectorStore(dbA);
    const b = new EmbeddedVectorStore(dbB);
    await a.upsert(space, [{ vector: unitVector(8, [1]), record: makeRecord("one") }]);
    expect(await b.query(space, unitVector(8, [1]), 5)).toHaveLength(1); // b's cache is loaded now
    await a.upsert(space, [{ vector: unitVector(8, [0, 1]), record: makeRecord("two") }]);
    await a.updateRecord(space, "one", { outcome: "resolved" });
    await b.upsert(space, [{ vector: unitVector(8, [0, 0, 1]), record: makeRecord("three") }]);
    const hits = await b.query(space, unitVector(8, [1]), 5);
    expect(hits.map((h) => h.incidentId).sort()).toEqual(["one", "three", "two"]);
    expect(hits.find((h) => h.incidentId === "one")?.outcome).toBe("resolved");
    await a.close();
    await b.close();
    expect(dbA.open && dbB.open).toBe(true);
    dbA.close();
    dbB.close();
  });

  it("rejects vectors of the wrong dimension or with non-finite values", async () => {
    const store = EmbeddedVectorStore.open(":memory:");
    const space = freshSpace();
    await expect(
      store.upsert(space, [{ vector: unitVector(4, [1]), record: makeRecord("w") }]),
    ).rejects.toBeInstanceOf(InputError);
    await expect(store.query(space, Float32Array.from([NaN, 0, 0, 0, 0, 0, 0, 0]), 1)).rejects.toBeInstanceOf(
      InputError,
    );
    await store.close();
  });
});
