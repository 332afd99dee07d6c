import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../core/errors.js";
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
