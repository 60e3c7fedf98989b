import { parseArgs } from 'node:util';
import type { PassCursor } from '../store/event-store.js';
import { CliError, openStoreForReading, type CliContext } from './cli-context.js';

export const REKEY_USAGE = 'rekey [--batch N]';

/**
 * `rekey`: re-seals every stored body (events and quarantine) not sealed with the current
 * PAYLOAD_KEYS key, including bodies stored before encryption was turned on, a small batch per
 * transaction, beside the running service. Afterwards the older keys can be dropped.
 */
export async function rekeyCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { batch: { type: 'string', default: '200' } }, strict: true });
  const batch = Number(values.batch);
  if (!/^\d+$/.test(values.batch) || batch < 1 || batch > 5000) throw new CliError('--batch must be a whole number from 1 to 5000', 2);
  const current = ctx.config.privacy.payloadKeys[0];
  if (!current) throw new CliError('PAYLOAD_KEYS is not set: there is no key to seal with (see the README, Personal data)');
  const store = await openStoreForReading(ctx.config, { sideWrites: true });
  try {
    let cursor: PassCursor = { events: '0', quarantine: '0' };
    let total = 0;
    for (;;) {
      const pass = await store.privacy.rekey(cursor, batch);
      cursor = pass.next;
      total += pass.resealed;
      if (pass.resealed > 0)
        ctx.err(`re-sealed ${total} so far (events up to seq ${cursor.events}, quarantine up to ${cursor.quarantine})`);
      if (pass.done) break;
    }
    const inUse = await store.privacy.keysInUse();
    ctx.out(`re-sealed ${total} stored bodies under key ${current.id}; keys in use now: ${inUse.join(', ') || 'none'}`);
    return 0;
  } finally {
    await store.close();
  }
}
