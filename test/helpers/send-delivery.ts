import request from 'supertest';
import { postRaw, veriffHeaders } from './fixtures.js';
import { INCODE_HEADER_SECRET, VERIFF_SECRET, type Harness } from './harness.js';

export interface SendOptions {
  /** The route; each vendor's main one by default. */
  path?: string;
  /** Added to (or replacing) the vendor's own headers. */
  headers?: Record<string, string>;
}

/** The bytes sent: a string as it is, anything else JSON-encoded. */
const bodyOf = (payload: unknown) => (typeof payload === 'string' ? payload : JSON.stringify(payload));

/** Posts a Veriff delivery to the harness's app, signed as Veriff signs it with the harness's secret. */
export function sendVeriff(h: Harness, payload: unknown, { path = '/webhooks/veriff', headers = {} }: SendOptions = {}) {
  const body = bodyOf(payload);
  return postRaw(request(h.app), path, body, veriffHeaders(body, VERIFF_SECRET, headers));
}

/** Posts an Incode delivery to the harness's app, with the harness's header secret. */
export function sendIncode(h: Harness, payload: unknown, { path = '/webhooks/incode/ine-scraping', headers = {} }: SendOptions = {}) {
  return postRaw(request(h.app), path, bodyOf(payload), {
    'content-type': 'application/json',
    'x-webhook-secret': INCODE_HEADER_SECRET,
    ...headers,
  });
}
