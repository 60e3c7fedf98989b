import { parseArgs } from 'node:util';
import type { StoredEvent } from '../store/event-store.js';
import { cliAudit, CliError, openStoreForReading, type CliContext } from './cli-context.js';
import { eventPrinter } from './event-lines.js';
import { describeStore } from '../store/open-store.js';

export const TAIL_USAGE = 'tail [--follow] [--provider veriff|incode] [--limit N] [--json | --table] [--interval MS]';

/** Which log this is, for a message: the SQLite folder, or the PostgreSQL host and database. */
function describeLog(ctx: CliContext): string {
  const store = describeStore(ctx.config);
  return store.store === 'sqlite' ? `SQLite in ${store.dataDir}` : `PostgreSQL ${store.database} on ${store.host}`;
}

/** `tail`: the newest events, then (with --follow) every new one as it is stored. */
export async function tailCommand(ctx: CliContext, argv: string[], stopSignal: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      follow: { type: 'boolean', short: 'f', default: false },
      provider: { type: 'string' },
      limit: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
      table: { type: 'boolean', default: false },
      interval: { type: 'string', default: '1000' },
    },
    strict: true,
    allowPositionals: false,
  });
  const provider = values.provider;
  if (provider !== undefined && provider !== 'veriff' && provider !== 'incode')
    throw new CliError(`--provider must be veriff or incode, not ${provider}`, 2);
  const limit = Number(values.limit);
  const interval = Number(values.interval);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit must be a whole number from 1 to 1000', 2);
  if (!Number.isInteger(interval) || interval < 50) throw new CliError('--interval must be at least 50 (milliseconds)', 2);
  const json = values.json || (!values.table && !ctx.isTty);
  const printer = eventPrinter(ctx, json);

  // JSON lines carry payloads, so the store must take this read's audit record.
  const store = await openStoreForReading(ctx.config, { sideWrites: json });
  const { showPayloads } = cliAudit(ctx, store);
  /** Prints a batch; one that shows payloads is recorded first (one audit record per batch). */
  const print = async (events: StoredEvent[]) => {
    if (events.length === 0) return;
    const payloads = json
      ? await showPayloads({
          subject: null,
          detail: {
            command: 'tail',
            ...(provider ? { provider } : {}),
            from: events[0]!.seq,
            to: events[events.length - 1]!.seq,
            events: events.length,
          },
        })
      : 'withheld';
    printer(events, payloads);
  };
  try {
    const newest = await store.listEvents({ provider, limit, newestFirst: true });
    const shown = newest.items.reverse();
    await print(shown);
    // Said on stderr, so piped JSON lines stay only events.
    if (shown.length === 0) ctx.err(`the event log is empty${provider ? ` for ${provider}` : ''} (${describeLog(ctx)})`);
    if (!values.follow) return 0;
    ctx.err(`following new events every ${interval} ms; Ctrl-C to stop`);
    let after = shown.length > 0 ? shown[shown.length - 1]!.seq : '0';
    while (!stopSignal.aborted) {
      const page = await store.listEvents({ provider, after, limit: 500 });
      await print(page.items);
      if (page.next !== null) after = page.next;
      else
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, interval);
          stopSignal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve(undefined);
            },
            { once: true },
          );
        });
    }
    return 0;
  } finally {
    await store.close();
  }
}
