import { describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { loadConfig } from '../src/config.js';
import { checkHeaders, receiveWebhook } from '../src/intake/receive-webhook.js';
import { eventId } from '../src/providers/event-id.js';
import { createProviders } from '../src/providers/providers.js';
import { incodePayload, veriffPayload } from './helpers/fixtures.js';
import { FULL_ENV, INCODE_HEADER_SECRET, VERIFF_SECRET } from './helpers/harness.js';

const [veriff, incode] = createProviders(loadConfig({ ...FULL_ENV, VERIFF_ALLOWED_IPS: '10.0.0.0/8' }), undefined) as [
  ReturnType<typeof createProviders>[number],
  ReturnType<typeof createProviders>[number],
];
const AT = '2026-12-05T10:00:00.000Z';
const signed = (body: string) => ({ 'content-type': 'application/json', 'x-hmac-signature': signHmac(VERIFF_SECRET, body) });

describe('receiveWebhook: intake without a store or a framework', () => {
  it('turns an authentic Veriff delivery into the event to store, with the id a redelivery would have', () => {
    const payload = veriffPayload({ vendorData: 'cust-core' });
    const body = JSON.stringify(payload);
    const receipt = receiveWebhook(veriff, { headers: signed(body), rawBody: Buffer.from(body), source: '10.1.2.3', receivedAt: AT });
    expect(receipt.kind).toBe('event');
    if (receipt.kind !== 'event') return;
    expect(receipt.event).toEqual({
      id: eventId('veriff', 'ine_registry', receipt.classified.dedupeMaterial),
      provider: 'veriff',
      type: 'ine_registry',
      sessionId: payload.sessionId,
      reference: 'cust-core',
      status: 'valid',
      vendorTime: payload.time,
      integration: null,
      receivedAt: AT,
      rawBody: body,
    });
  });

  it('refuses a forged signature (401), a source outside the allow-list (403), and says why for the log only', () => {
    const body = JSON.stringify(veriffPayload());
    const forged = receiveWebhook(veriff, {
      headers: { 'x-hmac-signature': 'ab'.repeat(32) },
      rawBody: Buffer.from(body),
      source: '10.0.0.1',
      receivedAt: AT,
    });
    expect(forged).toMatchObject({
      kind: 'refused',
      refusal: { status: 401, code: 'unauthorized', reason: expect.stringContaining('hmac') },
    });
    const outside = receiveWebhook(veriff, { headers: signed(body), rawBody: Buffer.from(body), source: '192.0.2.1', receivedAt: AT });
    expect(outside).toMatchObject({
      kind: 'refused',
      refusal: { status: 403, reason: 'source address 192.0.2.1 is not in VERIFF_ALLOWED_IPS' },
    });
  });

  it('gives authentic bodies that are no event as invalid (for quarantine), and settles header credentials before the body', () => {
    const broken = '{"sessionId": ';
    expect(
      receiveWebhook(veriff, { headers: signed(broken), rawBody: Buffer.from(broken), source: '10.0.0.1', receivedAt: AT }),
    ).toMatchObject({
      kind: 'invalid',
      reason: 'invalid_json',
    });
    const twice = '{"sessionId":"a","sessionId":"b"}';
    expect(
      receiveWebhook(veriff, { headers: signed(twice), rawBody: Buffer.from(twice), source: '10.0.0.1', receivedAt: AT }),
    ).toMatchObject({
      kind: 'invalid',
      reason: 'invalid_payload',
      issues: [{ path: 'sessionId' }],
    });

    const headers = { 'x-webhook-secret': INCODE_HEADER_SECRET };
    const verdict = checkHeaders(incode, headers, '127.0.0.1');
    expect(verdict).toEqual({ kind: 'passed', integration: 'static-header' });
    // Every Incode method configured here lives in headers: a wrong one is refused before the body.
    expect(checkHeaders(incode, { 'x-webhook-secret': 'wrong' }, '127.0.0.1')).toMatchObject({ kind: 'refused', refusal: { status: 401 } });
    // Veriff's signature covers the body: the headers alone settle nothing.
    expect(checkHeaders(veriff, {}, '10.0.0.1')).toEqual({ kind: 'body', failures: [] });
    const body = JSON.stringify(incodePayload({ ScrapingStatus: 'FINISHED' }));
    const receipt = receiveWebhook(incode, { headers, rawBody: Buffer.from(body), source: '127.0.0.1', receivedAt: AT }, verdict);
    expect(receipt).toMatchObject({ kind: 'event', integration: 'static-header', event: { provider: 'incode', status: 'FINISHED' } });
  });
});
