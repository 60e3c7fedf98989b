import { signHmac } from '../auth/hmac.js';

export type IncodeAuth =
  | { kind: 'static-header'; headerName: string; secret: string }
  | { kind: 'oauth'; clientId: string; clientSecret: string }
  | { kind: 'hmac'; secret: string };

export interface Answer {
  status: number;
  body: string;
  /** The Retry-After header of a 429 or 503, when the service sent one. */
  retryAfter?: string;
}

const TIMEOUT_MS = 10_000;

async function post(url: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const retryAfter = res.headers.get('retry-after') ?? undefined;
  return { status: res.status, body: await res.text(), ...(retryAfter !== undefined ? { retryAfter } : {}) };
}

/** Exactly what Veriff sends: the JSON bytes, signed with HMAC-SHA256 hex in x-hmac-signature. */
export function sendVeriff(baseUrl: string, secret: string, payload: unknown, apiKey?: string): Promise<Answer> {
  const body = JSON.stringify(payload);
  return post(new URL('/webhooks/veriff', baseUrl).href, body, {
    'content-type': 'application/json',
    'x-hmac-signature': signHmac(secret, body),
    ...(apiKey ? { 'x-auth-client': apiKey } : {}),
  });
}

/** Asks the token endpoint as Incode does: Basic client credentials, form body grant_type=client_credentials. */
export async function fetchOAuthToken(baseUrl: string, clientId: string, clientSecret: string): Promise<string> {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
  const res = await post(new URL('/oauth/token', baseUrl).href, 'grant_type=client_credentials', {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${basic}`,
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.body}`);
  return (JSON.parse(res.body) as { access_token: string }).access_token;
}

/** What Incode sends, authenticated by the chosen method (for OAuth, the whole token flow first). */
export async function sendIncode(baseUrl: string, auth: IncodeAuth, payload: unknown): Promise<Answer> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth.kind === 'static-header') headers[auth.headerName] = auth.secret;
  if (auth.kind === 'hmac') headers['x-hmac-signature'] = signHmac(auth.secret, body);
  if (auth.kind === 'oauth') headers.authorization = `Bearer ${await fetchOAuthToken(baseUrl, auth.clientId, auth.clientSecret)}`;
  return post(new URL('/webhooks/incode/ine-scraping', baseUrl).href, body, headers);
}
