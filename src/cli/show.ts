import { parseArgs } from 'node:util';
import { sessionJson } from '../sessions/session-json.js';
import { sessionById, sessionsByReference, type SessionView } from '../sessions/session-view.js';
import { cliAudit, CliError, openStoreForReading, type CliContext } from './cli-context.js';
import { renderTable, shortTime } from './table.js';
import { terminalSafe } from './terminal-safe.js';

export const SHOW_USAGE = 'show <sessionId | reference> [--json]';

function printSession(ctx: CliContext, view: SessionView): void {
  // Every value here came from a vendor's payload: shown escaped, never as terminal controls.
  const t = terminalSafe;
  const refs = view.references.length > 0 ? ` (reference ${view.references.map(t).join(', ')})` : '';
  ctx.out(`Session ${t(view.sessionId)}${refs}`);
  const none = 'nothing received';
  ctx.out(
    `  Veriff INE registry: ${t(view.state.veriff ?? none)}    Veriff decision: ${t(view.state.veriffDecision ?? none)}    Incode INE scraping: ${t(view.state.incode ?? none)}`,
  );
  const score = view.state.incodeScore;
  if (score) {
    const modules = Object.entries(score.modules).map(([name, status]) => `${t(name)} ${t(status)}`);
    ctx.out(`  Incode score: ${t(score.status ?? 'no overall status')}${modules.length > 0 ? ` (${modules.join(', ')})` : ''}`);
  }
  for (const q of view.queued) {
    const what = q.state === 'parked' ? `parked after ${q.attempts} attempt(s)` : `pending, next attempt ${shortTime(q.nextAttemptAt)}`;
    ctx.out(`  ${q.sink} for ${t(q.type)} ${q.eventId.slice(0, 12)}…: ${what}${q.lastError ? ` (last: ${t(q.lastError)})` : ''}`);
  }
  const rows = view.events.map((e) => [
    shortTime(e.receivedAt),
    e.provider,
    e.type,
    e.status ?? '-',
    e.deliveries > 1 ? `${e.deliveries} (last ${shortTime(e.lastDeliveredAt)})` : '1',
    e.integration ?? '-',
    e.id,
  ]);
  for (const line of renderTable(['received', 'provider', 'type', 'status', 'deliveries', 'integration', 'event id'], rows))
    ctx.out(`  ${line}`);
  if (view.next !== null)
    ctx.out(
      `  … more events: ine-webhooks tail --json | grep ${t(view.sessionId)}, or GET /events?sessionId=${t(view.sessionId)}&after=${view.next}`,
    );
}

/** `show`: what happened to one session, or to every session of one customer reference. */
export async function showCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new CliError(`expected one session id or reference\nusage: ine-webhooks ${SHOW_USAGE}`, 2);
  const key = positionals[0]!;
  const store = await openStoreForReading(ctx.config, { sideWrites: values.json });
  try {
    const byId = await sessionById(store, key);
    const views = byId ? [byId] : [];
    for (let after: string | undefined, more = !byId; more;) {
      const page = await sessionsByReference(store, key, after);
      views.push(...page.sessions);
      more = page.next !== null;
      after = page.next ?? undefined;
    }
    if (views.length === 0) throw new CliError(`nothing stored for session or reference "${key}"`);
    if (values.json) {
      // JSON carries the payloads: the read is recorded first.
      const payloads = await cliAudit(ctx, store).showPayloads({
        subject: key,
        detail: { command: 'show', sessions: views.map((v) => v.sessionId) },
      });
      ctx.out(
        byId
          ? sessionJson(byId, payloads)
          : `{"reference":${JSON.stringify(key)},"sessions":[${views.map((v) => sessionJson(v, payloads)).join(',')}]}`,
      );
    } else {
      if (!byId) ctx.out(`Reference ${terminalSafe(key)}: ${views.length} session(s)\n`);
      views.forEach((v, i) => {
        if (i > 0) ctx.out('');
        printSession(ctx, v);
      });
    }
    return 0;
  } finally {
    await store.close();
  }
}
