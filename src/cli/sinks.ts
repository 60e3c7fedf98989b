import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { configuredQueues } from '../configured-queues.js';
import { sinksReport } from '../outbox/sinks-report.js';
import { createReplay } from '../forward/replay.js';
import { createRedrive } from '../outbox/redrive.js';
import { HttpError } from '../errors.js';
import { isoInstant, ISO_INSTANT_RULE } from '../iso-instant.js';
import { cliAudit, CliError, openStoreForReading, type CliContext } from './cli-context.js';
import { renderTable } from './table.js';

export const SINKS_USAGE = 'sinks [--sink S] [--json] [--limit N]';
export const REDRIVE_USAGE = 'redrive [--sink S] (--id EVENT_ID | --all)';
export const REPLAY_USAGE = 'replay --sink S [--since TIME] [--until TIME] [--type T] [--dry-run]';

/** `sinks`: per sink, delivered / pending / parked / lag / last error, then the parked events. */
export async function sinksCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false }, limit: { type: 'string', default: '100' }, sink: { type: 'string' } },
    strict: true,
  });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit must be a whole number from 1 to 1000', 2);
  const store = await openStoreForReading(ctx.config);
  try {
    // Built for their names and descriptions: the command reads their queues, it never sends.
    const configured = configuredQueues(ctx.config, systemClock).targets(store);
    const [sinks, parked] = await Promise.all([
      sinksReport(store.outbox, configured, systemClock.now()),
      store.outbox.parked({ sink: values.sink, limit }),
    ]);
    if (values.json || !ctx.isTty) {
      ctx.out(JSON.stringify({ sinks, parked }));
      return 0;
    }
    if (sinks.length === 0) {
      ctx.out('no sinks: set FORWARD_URL and FORWARD_SECRET, or NATS_URL, to forward events (see the README, Forwarding)');
      return 0;
    }
    const rows = sinks.map((s) => [
      s.name,
      String(s.delivered),
      String(s.pending),
      String(s.parked),
      s.oldestPendingAgeSeconds === null ? '-' : `${s.oldestPendingAgeSeconds}s`,
      s.lastError === null ? '-' : `${s.lastError} (${s.lastErrorAt})`,
      s.target ?? '(no longer configured)',
    ]);
    for (const line of renderTable(['sink', 'delivered', 'pending', 'parked', 'oldest pending', 'last error', 'target'], rows))
      ctx.out(line);
    if (parked.items.length > 0) {
      ctx.out('');
      ctx.out('parked (send again with: ine-webhooks redrive --id EVENT_ID, or --all):');
      const parkedRows = parked.items.map((p) => [
        p.sink,
        p.eventId,
        p.provider,
        p.type,
        p.sessionId ?? '-',
        String(p.attempts),
        p.lastError ?? '-',
      ]);
      for (const line of renderTable(['sink', 'event id', 'provider', 'type', 'session', 'attempts', 'last error'], parkedRows))
        ctx.out(line);
      if (parked.next !== null && parked.items.length === limit) ctx.out(`(first ${limit} shown; --limit N for more)`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

/** `redrive`: parked events queued again (one, or all of them, of one sink or every sink). */
export async function redriveCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { sink: { type: 'string' }, id: { type: 'string' }, all: { type: 'boolean', default: false } },
    strict: true,
  });
  if ((values.id === undefined) === !values.all) throw new CliError(`usage: ine-webhooks ${REDRIVE_USAGE} (one of --id and --all)`, 2);
  const store = await openStoreForReading(ctx.config, { sideWrites: true });
  try {
    const { audit, principal } = cliAudit(ctx, store);
    const count = await createRedrive({ store, audit, clock: systemClock })(principal, { sink: values.sink, eventId: values.id });
    const scope = `${values.sink === undefined ? 'any sink' : `sink ${values.sink}`}${values.id === undefined ? '' : `, event ${values.id}`}`;
    if (count === 0) {
      ctx.err(`nothing parked to redrive (${scope})`);
      return values.all ? 0 : 1;
    }
    ctx.out(`queued again: ${count} parked item(s) (${scope}); a running service sends them within seconds`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `replay`: stored events queued again for one sink, in seq order (blocked and erased ones skipped); `--dry-run` only counts. */
export async function replayCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      sink: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      type: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  const usage = (why: string) => new CliError(`${why}\nusage: ine-webhooks ${REPLAY_USAGE}`, 2);
  if (positionals.length > 0) throw usage(`unexpected argument: ${positionals[0]}`);
  if (values.sink === undefined) throw usage('--sink is required: the sink to send the events to again');
  const time = (flag: 'since' | 'until') => {
    const text = values[flag];
    if (text === undefined) return undefined;
    return isoInstant(text) ?? fail(usage(`--${flag} ${ISO_INSTANT_RULE}`));
  };
  const query = { sink: values.sink, since: time('since'), until: time('until'), type: values.type, dryRun: values['dry-run'] };
  const sinks = configuredQueues(ctx.config, systemClock).sinkNames();
  const store = await openStoreForReading(ctx.config, { sideWrites: !query.dryRun });
  try {
    const { audit, principal } = cliAudit(ctx, store);
    const count = await createReplay({ store, audit, clock: systemClock, sinks })(principal, query).catch((error: unknown) => {
      if (error instanceof HttpError && error.code === 'unknown_sink') {
        throw new CliError(
          `no sink named ${values.sink} is configured (${sinks.length === 0 ? 'none is' : `configured: ${sinks.join(', ')}`})`,
          2,
        );
      }
      if (error instanceof HttpError && error.code === 'invalid_body') throw usage('--until must be after --since');
      throw error;
    });
    const scope = [query.since && `since ${query.since}`, query.until && `until ${query.until}`, query.type && `type ${query.type}`]
      .filter(Boolean)
      .join(', ');
    const what = `${count} stored event(s) for sink ${query.sink}${scope === '' ? '' : ` (${scope})`}`;
    ctx.out(query.dryRun ? `would replay ${what}` : `replayed ${what}: queued in seq order; a running service sends them within seconds`);
    return 0;
  } finally {
    await store.close();
  }
}

const fail = (error: Error): never => {
  throw error;
};
