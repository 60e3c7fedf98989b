import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { HttpError } from '../errors.js';
import { isoInstant } from '../iso-instant.js';
import { subjectActions } from '../privacy/subjects.js';
import { configuredQueues } from '../configured-queues.js';
import type { Subject } from '../store/event-store.js';
import { cliAudit, CliError, openStoreForReading, type CliContext } from './cli-context.js';

const SUBJECT = '(--reference R | --session S)';
export const BLOCK_USAGE = `block ${SUBJECT} --until <date> --reason <text>`;
export const UNBLOCK_USAGE = `unblock ${SUBJECT} --reason <text>`;
export const ERASE_USAGE = `erase ${SUBJECT} --reason <text>`;
export const EXPORT_USAGE = `export ${SUBJECT} --reason <text>`;

type Action = 'block' | 'unblock' | 'erase' | 'export';
const USAGES: Record<Action, string> = { block: BLOCK_USAGE, unblock: UNBLOCK_USAGE, erase: ERASE_USAGE, export: EXPORT_USAGE };

/**
 * `block`, `unblock`, `erase`, `export`: the personal-data actions on a subject, as the admin API
 * does them, as `cli:<os user>` (recorded in the audit trail with the reason). `export` prints the
 * document on standard output; the others print what they did.
 */
export async function subjectCommand(action: Action, ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      reference: { type: 'string' },
      session: { type: 'string' },
      until: { type: 'string' },
      reason: { type: 'string' },
      'at-vendor': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  const usage = (why: string) => new CliError(`${why}\nusage: ine-webhooks ${USAGES[action]}`, 2);
  if (positionals.length > 0) throw usage(`unexpected argument: ${positionals[0]}`);
  if ((values.reference === undefined) === (values.session === undefined)) throw usage('give exactly one of --reference and --session');
  const reason = values.reason?.trim() ?? '';
  if (reason === '') throw usage('--reason is required: why (a ticket number or a sentence)');
  const until = values.until === undefined ? undefined : (isoInstant(values.until) ?? undefined);
  if (action === 'block' && until === undefined) throw usage('--until is required: an ISO 8601 date or date-time, e.g. 2027-06-30');
  if (action !== 'block' && values.until !== undefined) throw usage('--until goes with block only');
  if (values['at-vendor']) throw new CliError('--at-vendor: asking Veriff to delete the session is not available in this release', 2);
  const subject: Subject =
    values.reference !== undefined ? { kind: 'reference', id: values.reference } : { kind: 'session', id: values.session! };

  const store = await openStoreForReading(ctx.config, { sideWrites: true });
  try {
    const { audit, principal } = cliAudit(ctx, store);
    const subjects = subjectActions({ store, audit, clock: systemClock, routing: configuredQueues(ctx.config, systemClock).routing() });
    const act = { principal, subject, reason };
    const name = `${subject.kind} ${subject.id}`;
    if (action === 'export') {
      ctx.out(await subjects.export(act));
      return 0;
    }
    if (action === 'block') {
      const done = await subjects.block(act, until!);
      ctx.out(`blocked ${name} until ${done.until}: ${done.events} event(s); their payloads are withheld everywhere and held at the sinks`);
    } else if (action === 'unblock') {
      const done = await subjects.unblock(act);
      ctx.out(done.wasBlocked ? `unblocked ${name}: ${done.events} event(s) readable again` : `${name} was not blocked`);
    } else {
      const done = await subjects.erase(act);
      ctx.out(
        `erased ${name}: ${done.events} event(s) and ${done.quarantine} quarantined deliver(ies); erasure notice ${done.erasureEventId} queued for every sink`,
      );
    }
    return 0;
  } catch (error) {
    // The actions speak HTTP for the admin API; here they are one line and exit 1.
    if (error instanceof HttpError && error.code === 'invalid_body') {
      const [issue] = (error.body.issues as { path: string; message: string }[] | undefined) ?? [];
      throw usage(`--${issue?.path ?? 'until'} ${issue?.message ?? 'is not valid'}`);
    }
    if (error instanceof HttpError) {
      const detail =
        error.code === 'unknown_subject'
          ? 'nothing is stored for it'
          : error.code === 'subject_blocked'
            ? 'it is blocked: unblock it first'
            : error.code;
      throw new CliError(`${action} ${subject.kind} ${subject.id}: ${detail}`);
    }
    throw error;
  } finally {
    await store.close();
  }
}
