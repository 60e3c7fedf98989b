import { parseArgs } from 'node:util';
import type { AuditRecord } from '../store/event-store.js';
import { CliError, openStoreForReading, type CliContext } from './cli-context.js';
import { renderTable, shortTime } from './table.js';

export const AUDIT_USAGE = 'audit [--actor A] [--subject S] [--limit N] [--json]';

/** `audit`: the audit trail, newest first: who read or changed what, when, with which role and why. */
export async function auditCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      actor: { type: 'string' },
      subject: { type: 'string' },
      limit: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const limit = Number(values.limit);
  if (!/^\d+$/.test(values.limit) || limit < 1 || limit > 1000) throw new CliError('--limit must be a whole number from 1 to 1000', 2);
  const store = await openStoreForReading(ctx.config);
  try {
    const page = await store.access.listAudit({ actor: values.actor, subject: values.subject, limit, newestFirst: true });
    if (values.json || !ctx.isTty) {
      for (const record of page.items) ctx.out(JSON.stringify(record));
      return 0;
    }
    if (page.items.length === 0) {
      ctx.out('the audit trail is empty');
      return 0;
    }
    const rows = page.items.map((r: AuditRecord) => [
      shortTime(r.at),
      r.actor,
      r.role ?? '-',
      r.action,
      r.subject ?? '-',
      r.outcome,
      r.reason ?? '-',
    ]);
    for (const line of renderTable(['time', 'actor', 'role', 'action', 'subject', 'outcome', 'reason'], rows)) ctx.out(line);
    return 0;
  } finally {
    await store.close();
  }
}
