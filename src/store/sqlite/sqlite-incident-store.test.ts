import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, ConflictError } from "../../core/errors.js";
import { describeIncidentStoreContract, makeAlert, makeIncident } from "../incident-store.contract.js";
import { openDatabase, SCHEMA_VERSION, schemaVersion } from "./database.js";
import { SqliteIncidentStore } from "./sqlite-incident-store.js";

describeIncidentStoreContract("sqlite (:memory:)", () => SqliteIncidentStore.open(":memory:"));

describe("SqliteIncidentStore on a file", () => {
  const dirs: string[] = [];
  const tempFile = () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-store-"));
    dirs.push(dir);
    return join(dir, "nested", "state", "aiops.db");
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps incidents across close and reopen", async () => {
    const file = tempFile();
    const store = SqliteIncidentStore.open(file);
    const incident = makeIncident({ alerts: [makeAlert("persisted-fp")] });
    await store.create(incident);
    await store.update(incident.id, (cur) => ({ ...cur, state: "resolved", resolvedAt: cur.openedAt }));
    await store.close();

    const reopened = SqliteIncidentStore.open(file);
    expect(await reopened.get(incident.id)).toEqual({
      ...incident,
      state: "resolved",
      resolvedAt: incident.openedAt,
    });
    expect((await reopened.findByFingerprint("persisted-fp"))?.id).toBe(incident.id);
    expect(await reopened.counts()).toEqual([{ state: "resolved", category: "none", count: 1 }]);
    await reopened.close();
  });

  it("migrates a new file to the current schema and reopens without migrating again", () => {
    const file = tempFile();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    db.close();
    const again = openDatabase(file);
    expect(schemaVersion(again)).toBe(SCHEMA_VERSION);
    again.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    again.close();
    expect(() => openDatabase(file)).toThrow(ConfigError);
  });

  it("migrates a version 1 file holding two open incidents for one key", async () => {
    const file = tempFile();
    // A version 1 file is the current schema without migration 2's index, where nothing
    // stopped two open incidents from sharing a key.
    const v1 = openDatabase(file);
    v1.exec("DROP INDEX incidents_open_key");
    v1.pragma("user_version = 1");
    const legacy = new SqliteIncidentStore(v1);
    const key = "KubePodCrashLooping|shop|workload/api";
    const older = makeIncident({ correlationKey: key, state: "diagnosed" });
    const newer = makeIncident({ correlationKey: key, state: "open" });
    const closed = makeIncident({ correlationKey: key, state: "resolved" });
    const other = makeIncident();
    for (const i of [older, newer, closed, other]) await legacy.create(i);
    await legacy.close();
    v1.close();

    const store = SqliteIncidentStore.open(file);
    expect((await store.findOpenByKey(key))?.id).toBe(newer.id);
    expect(await store.get(newer.id)).toEqual(newer);
    expect(await store.get(closed.id)).toEqual(closed);
    expect(await store.get(other.id)).toEqual(other);
    const superseded = await store.get(older.id);
    expect(superseded).toMatchObject({ state: "failed", error: expect.stringContaining("migration 2") });
    expect((await store.list({ state: "failed" })).items.map((i) => i.id)).toEqual([older.id]);
    await expect(store.create(makeIncident({ correlationKey: key }))).rejects.toBeInstanceOf(ConflictError);
    await store.close();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(2);
    db.close();
  });

  it("shares one handle between two stores without closing it", async () => {
    const db = openDatabase(":memory:");
    const a = new SqliteIncidentStore(db);
    const b = new SqliteIncidentStore(db);
    const incident = makeIncident();
    await a.create(incident);
    await a.close();
    expect((await b.get(incident.id))?.id).toBe(incident.id);
    await b.close();
    db.close();
  });

  it("serialises updates from two connections on the same file", async () => {
    const file = tempFile();
    const a = SqliteIncidentStore.open(file);
    const b = SqliteIncidentStore.open(file);
    const incident = makeIncident({ notifications: 0 });
    await a.create(incident);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).update(incident.id, (cur) => ({ ...cur, notifications: cur.notifications + 1 })),
      ),
    );
    expect((await b.get(incident.id))?.notifications).toBe(20);
    await a.close();
    await b.close();
  });
});
