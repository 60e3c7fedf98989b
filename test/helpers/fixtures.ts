import { randomUUID } from 'node:crypto';
import { signHmac } from '../../src/auth/hmac.js';

/** The seed sample from Veriff's INE webhook page, with fresh ids unless given. */
export function veriffPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventType: 'ine_registry',
    sessionId: randomUUID(),
    attemptId: randomUUID(),
    vendorData: '1234567812345678',
    endUserId: 'a1b2c35d-e8f7-6d5e-3cd2-a1b2c35db3d4',
    version: '1.0.0',
    time: '2021-06-02T11:04:00.287Z',
    data: {
      status: 'La credencial es válida',
      code: 200,
      details: { active: true, documentState: 'El documento es válido.' },
    },
    ...overrides,
  };
}

export function incodePayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { InterviewId: randomUUID(), externalId: 'customer-42', ScrapingStatus: 'FINISHED', ...overrides };
}

/** Headers exactly as Veriff sends them: HMAC-SHA256 hex of the raw bytes. */
export function veriffHeaders(body: string | Buffer, secret: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/json', 'x-hmac-signature': signHmac(secret, body), ...extra };
}

/** A supertest POST that sends exactly these bytes (superagent would JSON-encode a Buffer). */
export function postRaw(
  agent: { post(path: string): import('supertest').Test },
  path: string,
  body: string | Buffer,
  headers: Record<string, string>,
): import('supertest').Test {
  return agent
    .post(path)
    .set(headers)
    .serialize((data: unknown) => data as string)
    .send(Buffer.isBuffer(body) ? body : Buffer.from(body));
}
