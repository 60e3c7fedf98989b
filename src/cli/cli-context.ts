import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { systemClock } from '../clock.js';
import { createAuditTrail, type AuditTrail } from '../access/audit-trail.js';
import { payloadView, type PayloadView } from '../access/payload-access.js';
import type { Principal } from '../access/roles.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { EventStore } from '../store/event-store.js';
import { openStore } from '../store/open-store.js';
import { SQLITE_FILE } from '../store/sqlite-store.js';

/** What a command gets: the service's config, where to write, and how to reach the store. */
export interface CliContext {
  config: Config;
  out(line: string): void;
  err(line: string): void;
  /** Whether stdout is a terminal (tables) or a pipe (JSON lines). */
  isTty: boolean;
  /** JSON lines on standard error (the audit trail's lines), so standard output stays the command's answer. */
  logger: Logger;
}

/** The ops command on the host, as the audit trail names it: `cli:<os user>`, with the host's full powers. */
export function cliPrincipal(): Principal {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? String(process.getuid?.() ?? 'unknown');
  }
  return { actor: `cli:${user}`, role: 'admin', via: 'cli' };
}

/** The audit trail as the ops command writes it, and its gate for reads that show payloads. */
export function cliAudit(ctx: CliContext, store: EventStore) {
  const audit: AuditTrail = createAuditTrail(store.access, ctx.logger, systemClock);
  const principal = cliPrincipal();
  return {
    audit,
    principal,
    /** Records a payload read by this command (one audit record) before it prints. */
    showPayloads: (read: { subject: string | null; detail?: Record<string, unknown>; items?: number }): Promise<PayloadView> =>
      payloadView(audit, principal, read),
  };
}

/** A command's failure: its message is printed and the process exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/**
 * Opens the configured store for the CLI: no empty file created, no migration, no writer thread,
 * no event written. `sideWrites`: the outbox, keys and the audit trail may be written (redrive,
 * keys, and reads of payloads, which leave an audit record).
 */
export async function openStoreForReading(config: Config, options: { sideWrites?: boolean } = {}): Promise<EventStore> {
  if (config.databaseUrl === undefined && !existsSync(path.join(config.dataDir, SQLITE_FILE))) {
    throw new CliError(
      `no event log at ${path.join(config.dataDir, SQLITE_FILE)}: has the service run with this DATA_DIR (or is DATABASE_URL missing)?`,
    );
  }
  return openStore(config, systemClock, undefined, { readOnly: true, sideWrites: options.sideWrites });
}
