import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sampleIncodeIneScraping, sampleVeriff, VERIFF_KINDS, type VeriffKind } from '../delivery/samples.js';
import { classifyIncode } from '../providers/incode/classify.js';
import { classifyVeriff } from '../providers/veriff/classify.js';
import { eventId } from '../providers/event-id.js';
import { parseJsonBody } from '../providers/json-body.js';
import type { Classification, ProviderName } from '../providers/provider.js';
import { sendIncode, sendVeriff, type IncodeAuth } from '../delivery/send-webhook.js';
import { CliError, type CliContext } from './cli-context.js';

export const SEND_USAGE = `send veriff|incode [--url URL] [--kind ${VERIFF_KINDS.join('|')}] [--status IN_PROGRESS|FINISHED] [--file payload.json] [--method static-header|oauth|hmac] [--reference ID]`;

function incodeAuth(ctx: CliContext, method: string | undefined): IncodeAuth {
  const c = ctx.config.incode;
  const available: IncodeAuth[] = [];
  if (c.headerName !== undefined && c.headerSecrets[0] !== undefined)
    available.push({ kind: 'static-header', headerName: c.headerName, secret: c.headerSecrets[0] });
  if (c.oauth) available.push({ kind: 'oauth', clientId: c.oauth.clientId, clientSecret: c.oauth.clientSecrets[0]! });
  if (c.hmacSecrets[0] !== undefined) available.push({ kind: 'hmac', secret: c.hmacSecrets[0] });
  if (available.length === 0)
    throw new CliError(
      'Incode has no authentication configured here: set INCODE_HEADER_NAME/INCODE_HEADER_SECRET, INCODE_OAUTH_CLIENT_ID/INCODE_OAUTH_CLIENT_SECRET or INCODE_HMAC_SECRET',
    );
  if (method === undefined) return available[0]!;
  const chosen = available.find((a) => a.kind === method);
  if (!chosen) throw new CliError(`--method ${method} is not configured here (configured: ${available.map((a) => a.kind).join(', ')})`, 2);
  return chosen;
}

function readPayload(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot use --file ${file}: ${(error as Error).message}`, 2);
  }
}

/**
 * What a payload will be stored as, read from the very bytes sent, with the same classification
 * and event id the service computes: kind, session, reference, event id, and how to see it.
 */
function describeSent(provider: ProviderName, classify: (payload: unknown) => Classification, payload: unknown): string | undefined {
  const json = parseJsonBody(Buffer.from(JSON.stringify(payload)));
  const classified = json.ok ? classify(json.value) : undefined;
  if (!classified?.ok) return undefined;
  const e = classified.event;
  const see = e.sessionId ? `\n  see it: ine-webhooks show ${e.sessionId}` : '';
  return `sent: ${e.type}, session ${e.sessionId ?? '-'}, reference ${e.reference ?? '-'}, event id ${eventId(provider, e.type, e.dedupeMaterial)}${see}`;
}

/**
 * `send`: a real, correctly authenticated delivery to a running installation, as the vendor's
 * "send test webhook" button would make it; prints the answer; exit 0 only for a 200.
 */
export async function sendCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      status: { type: 'string', default: 'FINISHED' },
      kind: { type: 'string', default: 'ine_registry' },
      file: { type: 'string' },
      method: { type: 'string' },
      reference: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [vendor, ...extra] = positionals;
  if ((vendor !== 'veriff' && vendor !== 'incode') || extra.length > 0) throw new CliError(`usage: ine-webhooks ${SEND_USAGE}`, 2);
  if (values.status !== 'IN_PROGRESS' && values.status !== 'FINISHED') throw new CliError('--status must be IN_PROGRESS or FINISHED', 2);
  if (!(VERIFF_KINDS as readonly string[]).includes(values.kind)) throw new CliError(`--kind must be one of ${VERIFF_KINDS.join(', ')}`, 2);
  const base = values.url ?? `http://127.0.0.1:${ctx.config.port}`;
  try {
    new URL(base);
  } catch {
    throw new CliError(`--url ${base} is not a URL`, 2);
  }

  let answer;
  let path: string;
  let sent: string | undefined;
  try {
    if (vendor === 'veriff') {
      const secret = ctx.config.veriff.secrets[0];
      if (secret === undefined) throw new CliError('VERIFF_SHARED_SECRET is not set here: the delivery could not be signed');
      const payload = values.file
        ? readPayload(values.file)
        : sampleVeriff(values.kind as VeriffKind, values.reference ? { vendorData: values.reference } : {});
      path = '/webhooks/veriff';
      sent = describeSent('veriff', classifyVeriff, payload);
      answer = await sendVeriff(base, secret, payload);
    } else {
      const auth = incodeAuth(ctx, values.method);
      const payload = values.file ? readPayload(values.file) : sampleIncodeIneScraping(values.status, undefined, values.reference ?? null);
      path = `/webhooks/incode/ine-scraping (${auth.kind})`;
      sent = describeSent('incode', classifyIncode, payload);
      answer = await sendIncode(base, auth, payload);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot deliver to ${base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  const retry = answer.retryAfter !== undefined ? ` (Retry-After: ${answer.retryAfter} s)` : '';
  ctx.out(`POST ${base.replace(/\/$/, '')}${path} → ${answer.status} ${answer.body}${retry}`);
  if (sent) ctx.out(sent);
  return answer.status === 200 ? 0 : 1;
}
