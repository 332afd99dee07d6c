import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { BackendError, ConfigError } from "../../core/errors.js";

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * `full` fsyncs the WAL on every commit, so an accepted message or incident survives a
   * power loss; `normal` survives a process crash only. Default `full`: volumes are small
   * (alerts, not metrics), and the bus promises durable acceptance.
   */
  synchronous?: "full" | "normal";
}

/**
 * Schema migrations, applied in order; migration i brings the file to user_version i+1.
 * Never edit a released migration: append a new one.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    correlation_key TEXT NOT NULL,
    state TEXT NOT NULL,
    alertname TEXT NOT NULL,
    namespace TEXT,
    subject_name TEXT,
    summary TEXT,
    category TEXT,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT,
    document TEXT NOT NULL CHECK (json_valid(document))
  );
  CREATE INDEX incidents_state ON incidents (state);
  CREATE INDEX incidents_key_state ON incidents (correlation_key, state);
  CREATE INDEX incidents_category ON incidents (category);
  CREATE INDEX incidents_opened_at ON incidents (opened_at);

  CREATE TABLE incident_alerts (
    fingerprint TEXT NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    starts_at TEXT NOT NULL,
    PRIMARY KEY (fingerprint, incident_id)
  ) WITHOUT ROWID;
  CREATE INDEX incident_alerts_incident ON incident_alerts (incident_id);

  CREATE TABLE bus_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    stage TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    envelope TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ack', 'term')),
    deliveries INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
  );
  CREATE UNIQUE INDEX bus_messages_stage_key ON bus_messages (stage, idempotency_key);
  CREATE UNIQUE INDEX bus_messages_stage_id ON bus_messages (stage, envelope_id);
  CREATE INDEX bus_messages_status ON bus_messages (status, stage, seq);
  `,
  // 2: at most one open incident per correlation key. Files written by version 1 may hold
  // several; only the newest was ever found by key (and joined), so the older ones are
  // orphans: they are closed as failed, with the reason, before the index can be built.
  `
  UPDATE incidents
  SET state = 'failed',
      document = json_set(document, '$.state', 'failed', '$.error',
        'closed by schema migration 2: a newer open incident holds the same correlation key')
  WHERE state NOT IN ('resolved', 'failed')
    AND EXISTS (
      SELECT 1 FROM incidents AS newer
      WHERE newer.correlation_key = incidents.correlation_key
        AND newer.state NOT IN ('resolved', 'failed')
        AND (newer.opened_at > incidents.opened_at
          OR (newer.opened_at = incidents.opened_at AND newer.rowid > incidents.rowid))
    );
  CREATE UNIQUE INDEX incidents_open_key ON incidents (correlation_key)
    WHERE state NOT IN ('resolved', 'failed');
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating if needed) the SQLite file at `path`, or an in-memory database for
 * ":memory:", and brings its schema up to date. The parent directory is created.
 * Throws ConfigError when the file was written by a newer version of this program, and
 * BackendError when it cannot be opened.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const inMemory = path === ":memory:" || path === "";
  let db: SqliteDatabase;
  try {
    if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
    db = new Database(path);
  } catch (error) {
    throw new BackendError(`cannot open SQLite database at ${path}`, "sqlite", false, { cause: error });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
    db.pragma("foreign_keys = ON");
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof ConfigError) throw error;
    throw new BackendError(`cannot prepare SQLite database at ${path}`, "sqlite", false, { cause: error });
  }
}

/** The file's schema version (`PRAGMA user_version`). */
export function schemaVersion(db: SqliteDatabase): number {
  return Number(db.pragma("user_version", { simple: true }));
}

function migrate(db: SqliteDatabase): void {
  // IMMEDIATE: two processes opening a fresh file at once must not both migrate.
  db.transaction(() => {
    const current = schemaVersion(db);
    if (current > SCHEMA_VERSION) {
      throw new ConfigError(
        `the database schema is version ${current}, newer than this program's ${SCHEMA_VERSION}; upgrade the program`,
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      const migration = MIGRATIONS[version];
      if (migration === undefined) break;
      db.exec(migration);
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
}

/** Maps a better-sqlite3 error to the system's BackendError; a locked database is worth a retry. */
export function sqliteError(error: unknown, what: string): BackendError {
  const code = error instanceof Database.SqliteError ? error.code : undefined;
  const retryable =
    code !== undefined && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
  return new BackendError(`SQLite ${what} failed${code ? ` (${code})` : ""}`, "sqlite", retryable, {
    cause: error,
  });
}

/** True when `error` comes from SQLite itself (not from caller code run inside a transaction). */
export function isSqliteError(error: unknown): error is Database.SqliteError {
  return error instanceof Database.SqliteError;
}

/** True when `error` is SQLite's unique / primary key violation. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || error.code === "SQLITE_CONSTRAINT_UNIQUE")
  );
}
