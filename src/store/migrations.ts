/**
 * The schema, as numbered steps applied in order and recorded in `schema_migrations`; both
 * backends use the same numbering. Never edit a released step: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

/** Step 7's part that both dialects write alike: the key_id indexes and the blocks table. */
const KEYS_AND_BLOCKS = `
      CREATE INDEX events_by_key ON events (key_id);
      CREATE INDEX quarantine_by_key ON quarantine (key_id);
      CREATE TABLE blocks (
        kind       TEXT NOT NULL,
        subject    TEXT NOT NULL,
        origin     TEXT NOT NULL,
        until      TEXT NOT NULL,
        reason     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        PRIMARY KEY (kind, subject)
      );
`;

/** Step 8's table, the same in both dialects (the id it starts with differs). */
/** Migration 6's tables, written once: each dialect's time and auto-increment types. */
const accessTables = (types: { time: string; seq: string }) => `
  CREATE TABLE access_keys (
    name         TEXT PRIMARY KEY,
    role         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   ${types.time} NOT NULL,
    created_by   TEXT NOT NULL,
    last_used_at ${types.time}
  );
  CREATE TABLE audit (
    seq     ${types.seq},
    at      ${types.time} NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT,
    action  TEXT NOT NULL,
    subject TEXT,
    reason  TEXT,
    outcome TEXT NOT NULL,
    detail  TEXT
  );
  CREATE INDEX audit_by_actor ON audit (actor, seq);
  CREATE INDEX audit_by_subject ON audit (subject, seq);
`;
const CONSOLE_AND_ACTIVITY = `
  CREATE TABLE console_sessions (
    token_hash   TEXT PRIMARY KEY,
    key_hash     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
  );
  CREATE TABLE activity (
    hour     BIGINT NOT NULL,
    provider TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    count    BIGINT NOT NULL,
    PRIMARY KEY (hour, provider, outcome)
  );
`;
const INSTALLATION = 'CREATE TABLE installation (id INTEGER PRIMARY KEY CHECK (id = 1), installation_id TEXT NOT NULL);';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'event log and quarantine',
    sqlite: `
      CREATE TABLE events (
        seq               INTEGER PRIMARY KEY AUTOINCREMENT,
        -- SHA-256 of the provider's deduplication key: unique, so a redelivery finds its event.
        id                TEXT NOT NULL UNIQUE,
        provider          TEXT NOT NULL,
        type              TEXT NOT NULL,
        session_id        TEXT,
        reference         TEXT,
        status            TEXT,
        integration       TEXT,
        received_at       TEXT NOT NULL,
        last_delivered_at TEXT NOT NULL,
        deliveries        INTEGER NOT NULL DEFAULT 1,
        -- The exact JSON text as received; the payload is this, parsed (stored once: half the writes).
        raw_body          TEXT NOT NULL
      );
      CREATE INDEX events_by_session ON events (session_id, seq);
      CREATE INDEX events_by_reference ON events (reference, seq);
      CREATE TABLE quarantine (
        seq               INTEGER PRIMARY KEY AUTOINCREMENT,
        id                TEXT NOT NULL UNIQUE,
        provider          TEXT NOT NULL,
        reason            TEXT NOT NULL,
        body_hash         TEXT NOT NULL,
        issues            TEXT NOT NULL,
        raw_body          BLOB NOT NULL,
        received_at       TEXT NOT NULL,
        last_delivered_at TEXT NOT NULL,
        deliveries        INTEGER NOT NULL DEFAULT 1,
        UNIQUE (provider, body_hash)
      );
      CREATE TABLE store_probe (id INTEGER PRIMARY KEY, checked_at TEXT NOT NULL);
    `,
    // payload is json, not jsonb: jsonb refuses the \u0000 escape that valid JSON may carry,
    // and a payload the database refuses would be retried by the vendor for days in vain.
    postgres: `
      CREATE TABLE events (
        seq               BIGSERIAL PRIMARY KEY,
        id                TEXT NOT NULL UNIQUE,
        provider          TEXT NOT NULL,
        type              TEXT NOT NULL,
        session_id        TEXT,
        reference         TEXT,
        status            TEXT,
        integration       TEXT,
        received_at       TIMESTAMPTZ NOT NULL,
        last_delivered_at TIMESTAMPTZ NOT NULL,
        deliveries        INTEGER NOT NULL DEFAULT 1,
        payload           JSON NOT NULL,
        raw_body          TEXT NOT NULL
      );
      CREATE INDEX events_by_provider ON events (provider, seq);
      CREATE INDEX events_by_session ON events (session_id, seq);
      CREATE INDEX events_by_reference ON events (reference, seq);
      CREATE TABLE quarantine (
        seq               BIGSERIAL PRIMARY KEY,
        id                TEXT NOT NULL UNIQUE,
        provider          TEXT NOT NULL,
        reason            TEXT NOT NULL,
        body_hash         TEXT NOT NULL,
        issues            JSON NOT NULL,
        raw_body          BYTEA NOT NULL,
        received_at       TIMESTAMPTZ NOT NULL,
        last_delivered_at TIMESTAMPTZ NOT NULL,
        deliveries        INTEGER NOT NULL DEFAULT 1,
        UNIQUE (provider, body_hash)
      );
      CREATE TABLE store_probe (id INTEGER PRIMARY KEY, checked_at TIMESTAMPTZ NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'event lookups merged in sorted batches',
    // A B-tree index on a random key (an event id, a session id, a customer reference) costs a page
    // read and two page writes per event once the log is large: with 1 000 000 events the three
    // indexes more than doubled the writer's work. `lookups` holds the same keys as
    // 8-byte hashes, filled in sorted batches by the writer of that release (version 3 replaced the design), so a page
    // takes many keys per write. Events after `lookup_mark` are not in it yet: their ids are in
    // `recent_ids` (unique, small), and readers scan them for a session or reference. Keys are
    // merged into `lookups_young` first, which moves into `lookups` in bulk now and then.
    // lookup_key() is registered by the writer (lookup-key.ts).
    sqlite: `
      CREATE TABLE events_v2 (
        seq               INTEGER PRIMARY KEY AUTOINCREMENT,
        -- SHA-256 of the provider's deduplication key; unique through recent_ids and lookups.
        id                TEXT NOT NULL,
        provider          TEXT NOT NULL,
        type              TEXT NOT NULL,
        session_id        TEXT,
        reference         TEXT,
        status            TEXT,
        integration       TEXT,
        received_at       TEXT NOT NULL,
        last_delivered_at TEXT NOT NULL,
        deliveries        INTEGER NOT NULL DEFAULT 1,
        raw_body          TEXT NOT NULL
      );
      INSERT INTO events_v2 (seq, id, provider, type, session_id, reference, status, integration,
                             received_at, last_delivered_at, deliveries, raw_body)
        SELECT seq, id, provider, type, session_id, reference, status, integration,
               received_at, last_delivered_at, deliveries, raw_body FROM events ORDER BY seq;
      DROP TABLE events;
      ALTER TABLE events_v2 RENAME TO events;
      CREATE TABLE recent_ids (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
      CREATE TABLE lookups (
        key INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (key, seq)
      ) WITHOUT ROWID;
      -- The newer keys, merged here first and moved into lookups in bulk from time to time.
      CREATE TABLE lookups_young (
        key INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (key, seq)
      ) WITHOUT ROWID;
      -- Both levels, for readers and the writer's deduplication (a key's condition reaches both indexes).
      CREATE VIEW lookup_keys AS SELECT key, seq FROM lookups UNION ALL SELECT key, seq FROM lookups_young;
      INSERT INTO lookups (key, seq)
        SELECT key, seq FROM (
          SELECT lookup_key('id', id) AS key, seq FROM events
          UNION ALL
          SELECT lookup_key('session', session_id) AS key, seq FROM events WHERE session_id IS NOT NULL
          UNION ALL
          SELECT lookup_key('reference', reference) AS key, seq FROM events WHERE reference IS NOT NULL
        ) ORDER BY key, seq;
      -- seq: every event up to it has its keys in lookups or lookups_young; young_from: in lookups.
      CREATE TABLE lookup_mark (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, young_from INTEGER NOT NULL);
      INSERT INTO lookup_mark (id, seq, young_from) VALUES (1, (SELECT coalesce(max(seq), 0) FROM events), (SELECT coalesce(max(seq), 0) FROM events));
    `,
    // PostgreSQL keeps its B-tree indexes: its writes are not limited by them.
    postgres: 'SELECT 1',
  },
  {
    version: 3,
    name: 'the database enforces event uniqueness again; ordinary indexes instead of lookups',
    // Back to the database's own guarantees: `id` UNIQUE (a redelivery is INSERT ... ON CONFLICT),
    // and ordinary indexes for sessions and references. The lookup tables of step 2 re-implemented
    // an index in the application and are dropped; every event keeps its seq and id.
    sqlite: `
      CREATE TABLE events_v3 (
        seq               INTEGER PRIMARY KEY AUTOINCREMENT,
        -- SHA-256 of the provider's deduplication key: unique, so a redelivery finds its event.
        id                TEXT NOT NULL UNIQUE,
        provider          TEXT NOT NULL,
        type              TEXT NOT NULL,
        session_id        TEXT,
        reference         TEXT,
        status            TEXT,
        integration       TEXT,
        received_at       TEXT NOT NULL,
        last_delivered_at TEXT NOT NULL,
        deliveries        INTEGER NOT NULL DEFAULT 1,
        raw_body          TEXT NOT NULL
      );
      INSERT INTO events_v3 (seq, id, provider, type, session_id, reference, status, integration,
                             received_at, last_delivered_at, deliveries, raw_body)
        SELECT seq, id, provider, type, session_id, reference, status, integration,
               received_at, last_delivered_at, deliveries, raw_body FROM events ORDER BY seq;
      DROP VIEW lookup_keys;
      DROP TABLE lookups;
      DROP TABLE lookups_young;
      DROP TABLE recent_ids;
      DROP TABLE lookup_mark;
      DROP TABLE events;
      ALTER TABLE events_v3 RENAME TO events;
      CREATE INDEX events_by_session ON events (session_id, seq);
      CREATE INDEX events_by_reference ON events (reference, seq);
    `,
    postgres: 'SELECT 1',
  },
  {
    version: 4,
    name: "the vendor's own time of each event",
    // Veriff's `time` or `verification.decisionTime` as sent (any spelling); null for older events.
    sqlite: 'ALTER TABLE events ADD COLUMN vendor_time TEXT',
    postgres: 'ALTER TABLE events ADD COLUMN vendor_time TEXT',
  },
  {
    version: 5,
    name: 'outbox: each new event queued for every sink and follow-up fetch',
    // One row per (sink, event) still to deliver; a delivered row is deleted and counted in
    // `sinks`. `state` is pending or parked (kept, skipped, until a redrive). Times are Unix
    // milliseconds. `sinks` also holds each sink's lease: one process drains a sink at a time.
    sqlite: `
      CREATE TABLE outbox (
        sink            TEXT NOT NULL,
        seq             INTEGER NOT NULL REFERENCES events (seq),
        state           TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        queued_at       INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT,
        PRIMARY KEY (sink, seq)
      ) WITHOUT ROWID;
      CREATE TABLE sinks (
        name          TEXT PRIMARY KEY,
        delivered     INTEGER NOT NULL DEFAULT 0,
        failures      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        last_error_at INTEGER,
        lease_owner   TEXT,
        lease_until   INTEGER NOT NULL DEFAULT 0
      );
    `,
    postgres: `
      CREATE TABLE outbox (
        sink            TEXT NOT NULL,
        seq             BIGINT NOT NULL REFERENCES events (seq),
        state           TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        queued_at       BIGINT NOT NULL,
        next_attempt_at BIGINT NOT NULL,
        last_error      TEXT,
        PRIMARY KEY (sink, seq)
      );
      CREATE TABLE sinks (
        name          TEXT PRIMARY KEY,
        delivered     BIGINT NOT NULL DEFAULT 0,
        failures      BIGINT NOT NULL DEFAULT 0,
        last_error    TEXT,
        last_error_at BIGINT,
        lease_owner   TEXT,
        lease_until   BIGINT NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 6,
    name: 'access keys and the audit trail',
    // Named access keys: only a SHA-256 of each key is kept (the key is 256 random bits). The audit
    // trail is append-only: who read or changed what, when, with which role and why; subjects are
    // ids only, never payload content. `detail` is a small JSON object of ids and counts.
    sqlite: accessTables({ time: 'TEXT', seq: 'INTEGER PRIMARY KEY AUTOINCREMENT' }),
    postgres: accessTables({ time: 'TIMESTAMPTZ', seq: 'BIGSERIAL PRIMARY KEY' }),
  },
  {
    version: 7,
    name: 'personal data: sealed bodies, erasure, blocking',
    // key_id: the PAYLOAD_KEYS key an item's body is sealed with (null: stored in clear); its index
    // finds the keys in use at start and the items `rekey` re-seals. erased_at: when the body was
    // destroyed (the metadata stays, so a redelivery is still a duplicate). blocked: the subject is
    // blocked (the body is kept, never shown or forwarded). `blocks` holds each blocked subject
    // (a reference also blocks its sessions, all under the same origin) until its date.
    // PostgreSQL's parsed copy of the payload is dropped from a row whenever its body is sealed or erased.
    sqlite: `
      ALTER TABLE events ADD COLUMN key_id TEXT;
      ALTER TABLE events ADD COLUMN erased_at TEXT;
      ALTER TABLE events ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE quarantine ADD COLUMN key_id TEXT;
      ALTER TABLE quarantine ADD COLUMN erased_at TEXT;
      ${KEYS_AND_BLOCKS}
    `,
    postgres: `
      ALTER TABLE events ADD COLUMN key_id TEXT, ADD COLUMN erased_at TIMESTAMPTZ, ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE events ALTER COLUMN payload DROP NOT NULL;
      ALTER TABLE quarantine ADD COLUMN key_id TEXT, ADD COLUMN erased_at TIMESTAMPTZ;
      ${KEYS_AND_BLOCKS}
    `,
  },
  {
    version: 8,
    name: 'an id of this installation',
    // Shared by every replica of one installation (one database); another installation has its own.
    // OAuth tokens carry it as their audience, so a token minted by another installation that
    // happens to share the client secret is refused.
    sqlite: `
      ${INSTALLATION}
      INSERT INTO installation (id, installation_id) VALUES (1, lower(hex(randomblob(16))));
    `,
    postgres: `
      ${INSTALLATION}
      INSERT INTO installation (id, installation_id) VALUES (1, replace(gen_random_uuid()::text, '-', ''));
    `,
  },
  {
    version: 9,
    name: 'console sign-ins and delivery activity',
    // console_sessions: one row per signed-in browser, found by the SHA-256 of its cookie; key_hash
    // is the hash of the access key it signed in with, looked up on every page (a revoked key ends
    // its sessions). activity: deliveries per Unix hour, vendor and outcome, added to by every
    // replica (each adds its own counts), for the console's Activity chart.
    sqlite: CONSOLE_AND_ACTIVITY,
    postgres: CONSOLE_AND_ACTIVITY,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** A database migrated by a newer release: this build must not touch it. */
export const newerSchemaError = (version: number) =>
  new Error(`the database is at schema version ${version}, newer than this build knows (${LATEST_VERSION}); run a newer release`);
