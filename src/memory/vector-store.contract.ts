/**
 * The behaviour every VectorStore adapter must show. Each adapter's test file calls
 * `describeVectorStoreContract` with a factory for a store; every test uses vector spaces of
 * its own (a unique model name), so one store or server may serve all of them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../core/errors.js";
import type { MemoryRecord, VectorSpace, VectorStore } from "./vector-store.js";

let spaceCounter = 0;

/** A vector space no other test uses. */
export function freshSpace(dimension = 8, prefix = "contract-model"): VectorSpace {
  spaceCounter++;
  return { model: `${prefix}-${process.pid}-${Date.now().toString(36)}-${spaceCounter}`, dimension };
}

/** An L2-normalised vector from the given components (missing ones are 0). */
export function unitVector(dimension: number, components: readonly number[]): Float32Array {
  const v = new Float32Array(dimension);
  components.forEach((c, i) => {
    if (i < dimension) v[i] = c;
  });
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < dimension; i++) v[i] = (v[i] ?? 0) / norm;
  return v;
}

export function makeRecord(incidentId: string, overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  return {
    incidentId,
    signature: `alert=KubePodCrashLooping reason=OOMKilled id=${incidentId}`,
    category: "oom_killed",
    action: "increase_memory_limit",
    targetKind: "Deployment",
    outcome: "unknown",
    updatedAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

export function describeVectorStoreContract(name: string, create: () => Promise<VectorStore>): void {
  describe(`VectorStore contract: ${name}`, () => {
    let store: VectorStore;

    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    it("returns the nearest first, similarity in [0, 1], 1 for the same vector", async () => {
      const space = freshSpace();
      const a = unitVector(8, [1, 0, 0]);
      const b = unitVector(8, [1, 1, 0]);
      const c = unitVector(8, [0, 0, 1]);
      await store.upsert(space, [
        { vector: c, record: makeRecord("c", { category: "image_pull_error" }) },
        { vector: a, record: makeRecord("a") },
        { vector: b, record: makeRecord("b", { action: undefined, targetKind: undefined }) },
      ]);
      const hits = await store.query(space, a, 3);
      expect(hits.map((h) => h.incidentId)).toEqual(["a", "b", "c"]);
      expect(hits[0]?.similarity).toBeCloseTo(1, 5);
      expect(hits[1]?.similarity).toBeCloseTo(Math.SQRT1_2, 4);
      expect(hits[2]?.similarity).toBeCloseTo(0, 5);
      for (const h of hits) {
        expect(h.similarity).toBeGreaterThanOrEqual(0);
        expect(h.similarity).toBeLessThanOrEqual(1);
      }
      expect(hits[0]).toMatchObject(makeRecord("a"));
      expect(hits[1]?.action).toBeUndefined();
      expect(hits[1]?.targetKind).toBeUndefined();
      expect(hits[2]?.category).toBe("image_pull_error");
    });

    it("normalises vectors it is given: scale does not change similarity", async () => {
      const space = freshSpace();
      await store.upsert(space, [
        { vector: Float32Array.from([3, 0, 0, 0, 0, 0, 0, 4]), record: makeRecord("a") },
      ]);
      const hits = await store.query(space, Float32Array.from([0.3, 0, 0, 0, 0, 0, 0, 0.4]), 1);
      expect(hits[0]?.similarity).toBeCloseTo(1, 5);
    });

    it("upsert replaces by incidentId", async () => {
      const space = freshSpace();
      await store.upsert(space, [{ vector: unitVector(8, [1]), record: makeRecord("x") }]);
      await store.upsert(space, [
        { vector: unitVector(8, [0, 1]), record: makeRecord("x", { category: "volume_error" }) },
      ]);
      expect(await store.count(space)).toBe(1);
      const hits = await store.query(space, unitVector(8, [0, 1]), 5);
      expect(hits).toHaveLength(1);
      expect(hits[0]?.similarity).toBeCloseTo(1, 5);
      expect(hits[0]?.category).toBe("volume_error");
    });

    it("never returns vectors of another space", async () => {
      const space = freshSpace(8);
      const otherModel = freshSpace(8);
      const otherDimension: VectorSpace = { model: space.model, dimension: 4 };
      await store.upsert(space, [{ vector: unitVector(8, [1]), record: makeRecord("mine") }]);
      await store.upsert(otherModel, [{ vector: unitVector(8, [1]), record: makeRecord("other-model") }]);
      await store.upsert(otherDimension, [{ vector: unitVector(4, [1]), record: makeRecord("other-dim") }]);
      expect((await store.query(space, unitVector(8, [1]), 10)).map((h) => h.incidentId)).toEqual(["mine"]);
      expect((await store.query(otherModel, unitVector(8, [1]), 10)).map((h) => h.incidentId)).toEqual([
        "other-model",
      ]);
      expect((await store.query(otherDimension, unitVector(4, [1]), 10)).map((h) => h.incidentId)).toEqual([
        "other-dim",
      ]);
    });

    it("filters by category and outcome before ranking", async () => {
      const space = freshSpace();
      await store.upsert(space, [
        { vector: unitVector(8, [1]), record: makeRecord("oom-unknown") },
        { vector: unitVector(8, [1, 0.1]), record: makeRecord("oom-resolved", { outcome: "resolved" }) },
        {
          vector: unitVector(8, [1, 0.2]),
          record: makeRecord("crash-confirmed", { category: "crash_loop_app_error", outcome: "confirmed" }),
        },
        { vector: unitVector(8, [0, 0, 1]), record: makeRecord("oom-far", { outcome: "confirmed" }) },
      ]);
      const q = unitVector(8, [1]);
      const ids = async (filter: Parameters<VectorStore["query"]>[3], k = 10) =>
        (await store.query(space, q, k, filter)).map((h) => h.incidentId);
      expect(await ids({ category: "crash_loop_app_error" })).toEqual(["crash-confirmed"]);
      expect(await ids({ outcome: "resolved" })).toEqual(["oom-resolved"]);
      expect(await ids({ outcome: ["confirmed", "resolved"] })).toEqual([
        "oom-resolved",
        "crash-confirmed",
        "oom-far",
      ]);
      expect(await ids({ category: "oom_killed", outcome: ["confirmed", "resolved"] })).toEqual([
        "oom-resolved",
        "oom-far",
      ]);
      // Filtering happens before the top k is taken: the far match still comes back.
      expect(await ids({ category: "oom_killed", outcome: "confirmed" }, 1)).toEqual(["oom-far"]);
      expect(await ids({ outcome: [] })).toEqual([]);
      expect(await ids({ category: "evicted" })).toEqual([]);
    });

    it("updateRecord changes outcome and category; NotFoundError for an unknown id", async () => {
      const space = freshSpace();
      await store.upsert(space, [{ vector: unitVector(8, [1]), record: makeRecord("u") }]);
      await store.updateRecord(space, "u", {
        outcome: "corrected",
        category: "missing_config",
        action: "rollback",
        updatedAt: "2025-02-01T00:00:00.000Z",
      });
      const [hit] = await store.query(space, unitVector(8, [1]), 1, { outcome: "corrected" });
      expect(hit).toMatchObject({
        incidentId: "u",
        outcome: "corrected",
        category: "missing_config",
        action: "rollback",
        targetKind: "Deployment",
        signature: makeRecord("u").signature,
        updatedAt: "2025-02-01T00:00:00.000Z",
      });
      expect(hit?.similarity).toBeCloseTo(1, 5);
      expect(await store.query(space, unitVector(8, [1]), 1, { category: "oom_killed" })).toEqual([]);
      await expect(store.updateRecord(space, "nope", { outcome: "resolved" })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(
        store.updateRecord({ model: space.model, dimension: 4 }, "u", { outcome: "resolved" }),
      ).rejects.toBeInstanceOf(NotFoundError);
    });

    it("returns all records when k exceeds the count, and nothing for k = 0", async () => {
      const space = freshSpace();
      await store.upsert(
        space,
        [0, 1, 2].map((i) => ({ vector: unitVector(8, [1, i]), record: makeRecord(`k${i}`) })),
      );
      const hits = await store.query(space, unitVector(8, [1]), 50);
      expect(hits.map((h) => h.incidentId)).toEqual(["k0", "k1", "k2"]);
      expect(await store.query(space, unitVector(8, [1]), 0)).toEqual([]);
      expect(await store.query(freshSpace(), unitVector(8, [1]), 5)).toEqual([]);
    });

    it("counts per space", async () => {
      const space = freshSpace();
      const other = freshSpace();
      expect(await store.count(space)).toBe(0);
      await store.upsert(space, [
        { vector: unitVector(8, [1]), record: makeRecord("n1") },
        { vector: unitVector(8, [0, 1]), record: makeRecord("n2") },
      ]);
      await store.upsert(other, [{ vector: unitVector(8, [1]), record: makeRecord("n1") }]);
      expect(await store.count(space)).toBe(2);
      expect(await store.count(other)).toBe(1);
      expect(await store.count({ model: space.model, dimension: 16 })).toBe(0);
    });
  });
}
