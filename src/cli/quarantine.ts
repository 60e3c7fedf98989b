import { parseArgs } from 'node:util';
import type { QuarantineItem } from '../store/event-store.js';
import { cliAudit, CliError, openStoreForReading, type CliContext } from './cli-context.js';
import { renderTable, shortTime } from './table.js';

export const QUARANTINE_USAGE = 'quarantine [list [--limit N] [--json] | show <id>]';

/** `quarantine`: authentic deliveries that could not be used, with why. */
export async function quarantineCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false }, limit: { type: 'string', default: '100' } },
    strict: true,
    allowPositionals: true,
  });
  const [action = 'list', id, ...extra] = positionals;
  if (
    extra.length > 0 ||
    (action === 'show' && id === undefined) ||
    (action === 'list' && id !== undefined) ||
    !['list', 'show'].includes(action)
  ) {
    throw new CliError(`usage: ine-webhooks ${QUARANTINE_USAGE}`, 2);
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit must be a whole number from 1 to 1000', 2);
  const json = values.json || !ctx.isTty;
  // `show` and JSON lines carry the raw bytes: such a read is recorded in the audit trail first.
  const store = await openStoreForReading(ctx.config, { sideWrites: action === 'show' || json });
  try {
    const { showPayloads } = cliAudit(ctx, store);
    if (action === 'show') {
      const item = await store.getQuarantineItem(id!);
      if (!item) throw new CliError(`no quarantined item ${id}`);
      await showPayloads({ subject: item.id, detail: { command: 'quarantine show' } });
      ctx.out(JSON.stringify(item, null, 2));
      return 0;
    }
    const items: QuarantineItem[] = [];
    let after: string | undefined;
    while (items.length < limit) {
      const page = await store.listQuarantine({ after, limit: Math.min(1000, limit - items.length) });
      if (page.items.length === 0) break;
      items.push(...page.items);
      after = page.next!;
    }
    if (json) {
      await showPayloads({ subject: null, items: items.length, detail: { command: 'quarantine list', items: items.length } });
      for (const item of items) ctx.out(JSON.stringify(item));
      return 0;
    }
    if (items.length === 0) {
      ctx.out('quarantine is empty');
      return 0;
    }
    const rows = items.map((q) => [
      shortTime(q.receivedAt),
      q.provider,
      q.reason,
      String(q.deliveries),
      q.id,
      q.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '),
    ]);
    for (const line of renderTable(['received', 'provider', 'reason', 'deliveries', 'id', 'issues'], rows)) ctx.out(line);
    return 0;
  } finally {
    await store.close();
  }
}
