import { parseArgs } from 'node:util';
import { generateAccessKey, hashAccessKey, KEY_NAME, KEY_NAME_RULE } from '../access/access-key.js';
import { isRole, ROLES } from '../access/roles.js';
import { cliAudit, CliError, openStoreForReading, type CliContext } from './cli-context.js';
import { renderTable, shortTime } from './table.js';

export const KEYS_USAGE = `keys add <name> --role ${ROLES.join('|')} | keys list [--json] | keys revoke <name>`;

/**
 * `keys`: named access keys for the admin listener. `add` prints the new key once, alone on
 * standard output (what else it says goes to standard error), so a script can capture it; only
 * its hash is stored. Every change is one audit record naming `cli:<os user>`.
 */
export async function keysCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { role: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: true,
  });
  const [action, name, ...extra] = positionals;
  const usage = () => new CliError(`usage: ine-webhooks ${KEYS_USAGE}`, 2);
  if (extra.length > 0) throw usage();
  if (action === 'list') {
    if (name !== undefined || values.role !== undefined) throw usage();
    const store = await openStoreForReading(ctx.config);
    try {
      const keys = await store.access.listKeys();
      if (values.json || !ctx.isTty) ctx.out(JSON.stringify({ keys }));
      else if (keys.length === 0) ctx.out('no access keys: add one with ine-webhooks keys add <name> --role viewer');
      else {
        const rows = keys.map((k) => [
          k.name,
          k.role,
          shortTime(k.createdAt),
          k.createdBy,
          k.lastUsedAt === null ? 'never' : shortTime(k.lastUsedAt),
        ]);
        for (const line of renderTable(['name', 'role', 'created', 'by', 'last used'], rows)) ctx.out(line);
      }
      return 0;
    } finally {
      await store.close();
    }
  }
  if ((action !== 'add' && action !== 'revoke') || name === undefined || values.json) throw usage();
  if (!KEY_NAME.test(name)) throw new CliError(`the name must be ${KEY_NAME_RULE}`, 2);
  if (action === 'add' && (values.role === undefined || !isRole(values.role))) {
    throw new CliError(`--role must be one of ${ROLES.join(', ')}`, 2);
  }
  if (action === 'revoke' && values.role !== undefined) throw usage();

  const store = await openStoreForReading(ctx.config, { sideWrites: true });
  try {
    const { audit, principal } = cliAudit(ctx, store);
    const by = { actor: principal.actor, role: principal.role };
    if (action === 'add') {
      const role = values.role as (typeof ROLES)[number];
      const key = generateAccessKey();
      const added = await store.access.addKey({
        name,
        role,
        hash: hashAccessKey(key),
        createdAt: new Date().toISOString(),
        createdBy: principal.actor,
      });
      await audit({ ...by, action: 'key_add', subject: name, reason: null, outcome: added ? 'ok' : 'name_taken', detail: { role } });
      if (!added) throw new CliError(`a key named "${name}" exists already: revoke it first, or choose another name`);
      ctx.out(key);
      ctx.err(`added key "${name}" (${role}); it is shown only this once: send it as Authorization: Bearer <key>`);
      return 0;
    }
    const removed = await store.access.revokeKey(name);
    await audit({ ...by, action: 'key_revoke', subject: name, reason: null, outcome: removed ? 'ok' : 'not_found' });
    if (!removed) throw new CliError(`no key named "${name}"`);
    ctx.err(`revoked key "${name}": refused from now on by every replica`);
    return 0;
  } finally {
    await store.close();
  }
}
