/**
 * The behaviour every IncidentStore adapter must show. Each adapter's test file calls
 * `describeIncidentStoreContract` with a factory that returns a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConflictError, InputError, NotFoundError } from "../core/errors.js";
import type { Incident, IncidentAlert } from "../core/incident.js";
import type { IncidentStore } from "./incident-store.js";

let counter = 0;

/** A plausible incident; `overrides` replace top-level fields. */
export function makeIncident(overrides: Partial<Incident> = {}): Incident {
  counter++;
  const openedAt = overrides.openedAt ?? new Date(Date.UTC(2025, 0, 1, 0, 0, counter)).toISOString();
  return {
    id: `inc-${counter}`,
    correlationKey: `KubePodCrashLooping/shop/Deployment/api-${counter}`,
    state: "open",
    alertname: "KubePodCrashLooping",
    severity: "warning",
    namespace: "shop",
    subject: { kind: "Deployment", namespace: "shop", name: `api-${counter}` },
    alerts: [makeAlert(`fp-${counter}`, openedAt)],
    notifications: 1,
    openedAt,
    updatedAt: openedAt,
    ...overrides,
  };
}

export function makeAlert(fingerprint: string, startsAt = "2025-01-01T00:00:00.000Z"): IncidentAlert {
  return {
    fingerprint,
    fingerprintDerived: false,
    status: "firing",
    labels: { alertname: "KubePodCrashLooping", namespace: "shop", pod: "api-1-abc" },
    annotations: { summary: "Pod is crash looping." },
    startsAt,
    firstSeenAt: startsAt,
    lastSeenAt: startsAt,
    notifications: 1,
  };
}

function diagnosed(incident: Incident, summary: string, confidence = 0.9): Incident {
  return {
    ...incident,
    state: "planned",
    category: "oom_killed",
    evidence: {} as NonNullable<Incident["evidence"]>,
    diagnosis: {
      category: "oom_killed",
      confidence,
      summary,
      findings: [],
      decidedBy: "analyzers",
      createdAt: incident.openedAt,
    },
    plan: {
      action: "increase_memory_limit",
      target: { kind: "Deployment", namespace: "shop", name: "api", container: "app" },
      params: { memory: "512Mi" },
      risk: "low",
      rationale: "OOMKilled at the limit",
      createdAt: incident.openedAt,
    },
  };
}

export function describeIncidentStoreContract(
  name: string,
  factory: () => IncidentStore | Promise<IncidentStore>,
): void {
  describe(`IncidentStore contract: ${name}`, () => {
    let store: IncidentStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    it("creates and reads back an incident unchanged", async () => {
      const incident = diagnosed(makeIncident(), "container app OOMKilled");
      await store.create(incident);
      expect(await store.get(incident.id)).toEqual(incident);
      expect(await store.get("nope")).toBeUndefined();
    });

    it("hands out copies, never the stored object", async () => {
      const incident = makeIncident();
      await store.create(incident);
      incident.alertname = "changed by caller";
      const read = await store.get(incident.id);
      expect(read?.alertname).toBe("KubePodCrashLooping");
      read!.alertname = "changed again";
      expect((await store.get(incident.id))?.alertname).toBe("KubePodCrashLooping");
    });

    it("rejects a duplicate id with ConflictError", async () => {
      const incident = makeIncident();
      await store.create(incident);
      await expect(store.create({ ...incident, alertname: "Other" })).rejects.toBeInstanceOf(ConflictError);
      expect((await store.get(incident.id))?.alertname).toBe("KubePodCrashLooping");
    });

    it("updates atomically and returns the stored incident", async () => {
      const incident = makeIncident();
      await store.create(incident);
      const updated = await store.update(incident.id, (cur) => ({
        ...cur,
        state: "diagnosed",
        notifications: 2,
      }));
      expect(updated).toMatchObject({ id: incident.id, state: "diagnosed", notifications: 2 });
      expect(await store.get(incident.id)).toEqual(updated);
    });

    it("throws NotFoundError when updating a missing incident", async () => {
      await expect(store.update("missing", (cur) => cur)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("leaves the incident untouched when mutate throws or changes the id", async () => {
      const incident = makeIncident();
      await store.create(incident);
      await expect(
        store.update(incident.id, (cur) => {
          cur.notifications = 99;
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      await expect(store.update(incident.id, (cur) => ({ ...cur, id: "other" }))).rejects.toBeInstanceOf(
        InputError,
      );
      expect(await store.get(incident.id)).toEqual(incident);
      expect(await store.get("other")).toBeUndefined();
    });

    it("loses no write under concurrent updates", async () => {
      const incident = makeIncident({ notifications: 0 });
      await store.create(incident);
      await Promise.all(
        Array.from({ length: 50 }, () =>
          store.update(incident.id, (cur) => ({ ...cur, notifications: cur.notifications + 1 })),
        ),
      );
      expect((await store.get(incident.id))?.notifications).toBe(50);
    });

    it("finds the open incident by correlation key, never a resolved or failed one", async () => {
      const key = "KubePodCrashLooping/shop/Deployment/api";
      const resolved = makeIncident({ correlationKey: key, state: "resolved" });
      const failed = makeIncident({ correlationKey: key, state: "failed" });
      const open = makeIncident({ correlationKey: key, state: "diagnosed" });
      for (const i of [resolved, open, failed]) await store.create(i);
      expect((await store.findOpenByKey(key))?.id).toBe(open.id);
      await store.update(open.id, (cur) => ({ ...cur, state: "resolved" }));
      expect(await store.findOpenByKey(key)).toBeUndefined();
      const reopened = makeIncident({ correlationKey: key, state: "planned" });
      await store.create(reopened);
      expect((await store.findOpenByKey(key))?.id).toBe(reopened.id);
      await store.update(reopened.id, (cur) => ({ ...cur, state: "failed" }));
      expect(await store.findOpenByKey(key)).toBeUndefined();
      expect(await store.findOpenByKey("unknown")).toBeUndefined();
    });

    it("rejects a second open incident with the same correlation key", async () => {
      const key = "KubePodCrashLooping/shop/Deployment/one-open";
      const first = makeIncident({ correlationKey: key });
      await store.create(first);
      const second = makeIncident({ correlationKey: key, state: "diagnosed" });
      await expect(store.create(second)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.get(second.id)).toBeUndefined();
      expect((await store.findOpenByKey(key))?.id).toBe(first.id);
      expect((await store.list({})).total).toBe(1);
    });

    it("lets resolved and failed incidents share a key with each other and with one open incident", async () => {
      const key = "KubeJobFailed/batch/Job/nightly";
      for (const state of ["resolved", "failed", "resolved"] as const) {
        await store.create(makeIncident({ correlationKey: key, state }));
      }
      const open = makeIncident({ correlationKey: key });
      await store.create(open);
      // A terminal incident never competes for the key, even while another is open.
      await store.create(makeIncident({ correlationKey: key, state: "failed" }));
      expect((await store.findOpenByKey(key))?.id).toBe(open.id);
      expect((await store.list({})).total).toBe(5);
    });

    it("frees the key when update resolves or fails the open incident", async () => {
      const key = "KubePodCrashLooping/shop/Deployment/freed";
      const first = makeIncident({ correlationKey: key });
      await store.create(first);
      await store.update(first.id, (cur) => ({ ...cur, state: "resolved", resolvedAt: cur.openedAt }));
      const second = makeIncident({ correlationKey: key });
      await store.create(second);
      await store.update(second.id, (cur) => ({ ...cur, state: "failed", error: "gave up" }));
      const third = makeIncident({ correlationKey: key });
      await store.create(third);
      expect((await store.findOpenByKey(key))?.id).toBe(third.id);
      await expect(store.create(makeIncident({ correlationKey: key }))).rejects.toBeInstanceOf(ConflictError);
    });

    it("rejects an update that would make a second incident open for a key", async () => {
      const key = "KubePodCrashLooping/shop/Deployment/reopen";
      const old = makeIncident({ correlationKey: key, state: "resolved" });
      const open = makeIncident({ correlationKey: key });
      const elsewhere = makeIncident();
      for (const i of [old, open, elsewhere]) await store.create(i);
      await expect(store.update(old.id, (cur) => ({ ...cur, state: "open" }))).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(
        store.update(elsewhere.id, (cur) => ({ ...cur, correlationKey: key })),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await store.get(old.id)).toEqual(old);
      expect(await store.get(elsewhere.id)).toEqual(elsewhere);
      expect((await store.findOpenByKey(key))?.id).toBe(open.id);

      // Once the key is free, reopening is allowed and the reopened incident holds the key.
      await store.update(open.id, (cur) => ({ ...cur, state: "resolved" }));
      await store.update(old.id, (cur) => ({ ...cur, state: "open" }));
      expect((await store.findOpenByKey(key))?.id).toBe(old.id);
    });

    it("opens one incident when creates for one key race", async () => {
      const key = "KubePodCrashLooping/shop/Deployment/race";
      const contenders = Array.from({ length: 8 }, () => makeIncident({ correlationKey: key }));
      const results = await Promise.allSettled(contenders.map((i) => store.create(i)));
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(contenders.length - 1);
      for (const reason of lost) expect(reason).toBeInstanceOf(ConflictError);
      const winner = contenders[results.findIndex((r) => r.status === "fulfilled")];
      expect((await store.findOpenByKey(key))?.id).toBe(winner?.id);
      expect((await store.list({})).total).toBe(1);
    });

    it("finds an incident by an alert that joined it after creation", async () => {
      const incident = makeIncident({ alerts: [makeAlert("first-alert")] });
      await store.create(incident);
      expect(await store.findByFingerprint("joined-later")).toBeUndefined();
      await store.update(incident.id, (cur) => ({
        ...cur,
        alerts: [...cur.alerts, makeAlert("joined-later")],
        notifications: cur.notifications + 1,
      }));
      expect((await store.findByFingerprint("joined-later"))?.id).toBe(incident.id);
      expect((await store.findByFingerprint("first-alert"))?.id).toBe(incident.id);
    });

    it("finds the newest incident holding a fingerprint, resolved or not", async () => {
      const first = makeIncident({ state: "resolved", alerts: [makeAlert("shared"), makeAlert("a")] });
      const second = makeIncident({ state: "resolved", alerts: [makeAlert("shared")] });
      await store.create(first);
      await store.create(second);
      expect((await store.findByFingerprint("shared"))?.id).toBe(second.id);
      expect((await store.findByFingerprint("a"))?.id).toBe(first.id);
      expect(await store.findByFingerprint("b")).toBeUndefined();

      await store.update(first.id, (cur) => ({ ...cur, alerts: [makeAlert("b")] }));
      expect((await store.findByFingerprint("b"))?.id).toBe(first.id);
      expect(await store.findByFingerprint("a")).toBeUndefined();
    });

    it("breaks equal openedAt by insertion order", async () => {
      const openedAt = "2025-02-01T00:00:00.000Z";
      const a = makeIncident({ openedAt, alerts: [makeAlert("same")] });
      const b = makeIncident({ openedAt, alerts: [makeAlert("same")] });
      await store.create(a);
      await store.create(b);
      expect((await store.findByFingerprint("same"))?.id).toBe(b.id);
      expect((await store.list({})).items.map((i) => i.id)).toEqual([b.id, a.id]);
    });

    it("lists summaries newest first, with pagination", async () => {
      const incidents = Array.from({ length: 5 }, () => makeIncident());
      for (const i of incidents) await store.create(i);
      const page = await store.list({ limit: 2, offset: 1 });
      expect(page.total).toBe(5);
      expect(page.limit).toBe(2);
      expect(page.offset).toBe(1);
      expect(page.items.map((i) => i.id)).toEqual([incidents[3]!.id, incidents[2]!.id]);
      expect((await store.list({ offset: 10 })).items).toEqual([]);
    });

    it("bounds the page size", async () => {
      await store.create(makeIncident());
      const page = await store.list({ limit: 0, offset: -3 });
      expect(page.limit).toBeGreaterThanOrEqual(1);
      expect(page.offset).toBe(0);
      expect((await store.list({ limit: 1_000_000 })).limit).toBeLessThanOrEqual(1000);
    });

    it("summarises without evidence, diagnosis, plan or alerts", async () => {
      const incident = diagnosed(makeIncident({ alerts: [makeAlert("x"), makeAlert("y")] }), "oom", 0.75);
      await store.create(incident);
      const [summary] = (await store.list({})).items;
      const { evidence: _e, diagnosis: _d, plan: _p, alerts: _a, ...rest } = incident;
      expect(summary).toEqual({ ...rest, alertCount: 2, action: "increase_memory_limit", confidence: 0.75 });

      const bare = makeIncident({ openedAt: "2000-01-01T00:00:00.000Z" });
      await store.create(bare);
      const { alerts: _b, ...bareRest } = bare;
      expect((await store.list({ offset: 1 })).items[0]).toEqual({ ...bareRest, alertCount: 1 });
    });

    it("filters by state, category, namespace and alertname", async () => {
      const a = diagnosed(makeIncident({ namespace: "shop" }), "oom");
      const b = makeIncident({ namespace: "billing", alertname: "KubeJobFailed", state: "open" });
      const c = makeIncident({ namespace: "billing", state: "resolved", category: "job_failed" });
      for (const i of [a, b, c]) await store.create(i);
      const ids = async (q: Parameters<IncidentStore["list"]>[0]) =>
        (await store.list(q)).items.map((i) => i.id);
      expect(await ids({ state: "planned" })).toEqual([a.id]);
      expect(await ids({ category: "job_failed" })).toEqual([c.id]);
      expect(await ids({ namespace: "billing" })).toEqual([c.id, b.id]);
      expect(await ids({ alertname: "KubeJobFailed" })).toEqual([b.id]);
      expect(await ids({ namespace: "billing", state: "open" })).toEqual([b.id]);
      expect((await store.list({ namespace: "billing" })).total).toBe(2);
    });

    it("filters the incidents awaiting their remediation's outcome", async () => {
      const applied = { via: "merged" as const, at: "2025-01-01T00:10:00.000Z" };
      const waiting = makeIncident({ applied });
      const decided = makeIncident({
        applied,
        outcome: { result: "resolved", at: "2025-01-01T00:20:00.000Z", windowMs: 1 },
      });
      const resolved = makeIncident({ applied, state: "resolved" });
      const never = makeIncident();
      for (const i of [waiting, decided, resolved, never]) await store.create(i);
      const page = await store.list({ awaitingOutcome: true });
      expect(page.items.map((i) => i.id)).toEqual([waiting.id]);
      expect(page.total).toBe(1);
    });

    it("searches free text over alertname, namespace, subject name and summary", async () => {
      const a = makeIncident({ alertname: "KubeMemoryOvercommit", namespace: "n1", subject: undefined });
      const b = makeIncident({
        namespace: "payments",
        subject: { kind: "StatefulSet", name: "ledger-db" },
        alertname: "X",
      });
      const c = diagnosed(
        makeIncident({ namespace: "n3", alertname: "Y", subject: undefined }),
        "Heap hit 100% of limit",
      );
      for (const i of [a, b, c]) await store.create(i);
      const ids = async (q: string) => (await store.list({ q })).items.map((i) => i.id);
      expect(await ids("overcommit")).toEqual([a.id]);
      expect(await ids("PAYMENTS")).toEqual([b.id]);
      expect(await ids("ledger")).toEqual([b.id]);
      expect(await ids("heap hit")).toEqual([c.id]);
      // LIKE wildcards in the query are literal characters.
      expect(await ids("100%")).toEqual([c.id]);
      expect(await ids("%")).toEqual([c.id]);
      expect(await ids("_")).toEqual([]);
      expect(await ids("nothing-like-this")).toEqual([]);
    });

    it("counts by state and category", async () => {
      await store.create(diagnosed(makeIncident(), "oom"));
      await store.create(diagnosed(makeIncident(), "oom"));
      await store.create(makeIncident({ state: "open" }));
      await store.create(makeIncident({ state: "resolved", category: "job_failed" }));
      const counts = await store.counts();
      expect(counts).toHaveLength(3);
      expect(counts).toEqual(
        expect.arrayContaining([
          { state: "planned", category: "oom_killed", count: 2 },
          { state: "open", category: "none", count: 1 },
          { state: "resolved", category: "job_failed", count: 1 },
        ]),
      );
    });

    it("rejects calls after close", async () => {
      await store.close();
      await expect(store.get("x")).rejects.toThrow();
      await store.close();
    });
  });
}
