/**
 * Versioned schema of the embedded backend. `MIGRATIONS[i]` upgrades a database
 * from `PRAGMA user_version = i` to `i + 1`. Append only: never edit a released
 * migration, add a new one.
 *
 * Field names mirror the Mission Control tables (original-runtime.md §3) so the
 * row mappers stay thin. Arrays and nested objects are JSON text columns.
 */
export const MIGRATIONS: readonly string[] = [
  // v1: the tables the service contract touches.
  `
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    service_token_hash TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    runtime_status TEXT,
    runtime_config TEXT,
    restart_requested_at INTEGER,
    created_at INTEGER NOT NULL
  ) STRICT;

  -- Plaintext service tokens of local accounts, so the in-process port can
  -- authenticate after a restart. Whoever can read this file can rewrite every
  -- row of it anyway, so this grants nothing; auth still compares hashes.
  CREATE TABLE local_service_tokens (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    token TEXT NOT NULL
  ) STRICT;

  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    email TEXT,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX users_by_account ON users(account_id);

  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    role TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    current_task_id TEXT,
    last_heartbeat INTEGER,
    heartbeat_interval REAL NOT NULL,
    soul_content TEXT,
    identity_content TEXT,
    openclaw_config TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, slug)
  ) STRICT;

  CREATE TABLE skills (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    description TEXT,
    content_markdown TEXT,
    is_enabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    title TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    assigned_user_ids TEXT NOT NULL,
    assigned_agent_ids TEXT NOT NULL,
    labels TEXT NOT NULL,
    due_date REAL,
    blocked_reason TEXT,
    archived_at INTEGER,
    metadata TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_message_at INTEGER
  ) STRICT;
  CREATE INDEX tasks_by_account_status ON tasks(account_id, status, updated_at);
  CREATE INDEX tasks_by_account_updated ON tasks(account_id, updated_at);

  CREATE TABLE subscriptions (
    task_id TEXT NOT NULL REFERENCES tasks(id),
    subscriber_type TEXT NOT NULL,
    subscriber_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (task_id, subscriber_type, subscriber_id)
  ) STRICT;

  CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    type TEXT NOT NULL,
    recipient_type TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    task_id TEXT,
    message_id TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    delivered_at INTEGER,
    read_at INTEGER,
    delivery_ended_at INTEGER,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX notifications_undelivered
    ON notifications(account_id, recipient_type, delivered_at, created_at);
  CREATE INDEX notifications_by_task_recipient
    ON notifications(task_id, recipient_id, created_at);

  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    task_id TEXT NOT NULL REFERENCES tasks(id),
    author_type TEXT NOT NULL,
    author_id TEXT NOT NULL,
    content TEXT NOT NULL,
    mentions TEXT NOT NULL,
    attachments TEXT,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    source_notification_id TEXT
  ) STRICT;
  CREATE INDEX messages_by_task ON messages(task_id, created_at);
  -- The idempotency key of delivery replies: at most one message per notification,
  -- enforced by the database so concurrent writers cannot race past it.
  CREATE UNIQUE INDEX messages_by_source_notification
    ON messages(account_id, source_notification_id) WHERE source_notification_id IS NOT NULL;

  CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    task_id TEXT,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    type TEXT,
    author_type TEXT NOT NULL,
    author_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
  ) STRICT;
  CREATE INDEX documents_by_account ON documents(account_id, updated_at);

  CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    type TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_name TEXT,
    meta TEXT,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX activities_by_target ON activities(account_id, target_id, created_at);

  CREATE TABLE runtime_sessions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    agent_id TEXT NOT NULL REFERENCES agents(id),
    session_type TEXT NOT NULL,
    task_id TEXT,
    agent_slug TEXT NOT NULL,
    generation INTEGER NOT NULL,
    session_key TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER,
    closed_reason TEXT
  ) STRICT;
  CREATE INDEX runtime_sessions_by_agent ON runtime_sessions(account_id, agent_id, session_type, task_id);

  CREATE TABLE runtimes (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    status TEXT NOT NULL,
    openclaw_version TEXT,
    runtime_service_version TEXT,
    last_health_check INTEGER,
    pending_upgrade TEXT,
    upgrade_history TEXT NOT NULL DEFAULT '[]',
    updated_at INTEGER NOT NULL
  ) STRICT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
