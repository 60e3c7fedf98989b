import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendIncode, sendVeriff } from './helpers/send-delivery.js';
import { harness, type Harness } from './helpers/harness.js';

/** The seed samples (Veriff's INE webhook page, Incode's INE scraping page) as the vendors send them. */
const SEED_VERIFF = `{
  "eventType": "ine_registry",
  "sessionId": "f04bdb47-d3be-4b28-b028-a652feb060b5",
  "attemptId": "e30122d1-740b-4764-853f-470374a7abf4",
  "vendorData": "1234567812345678",
  "endUserId": "a1b2c35d-e8f7-6d5e-3cd2-a1b2c35db3d4",
  "version": "1.0.0",
  "time": "2021-06-02T11:04:00.287Z",
  "data": {
      "status": "La credencial es válida",
      "code": 200,
      "details": {
         "active": true,
         "documentState": "El documento es válido."
      }
  }
}`;

describe('event identity: lossless, and stable across releases', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.close();
  });

  const veriff = async (body: string) => {
    const res = await sendVeriff(h, body);
    expect(res.status).toBe(200);
    return h.logs.requests().at(-1)!.eventId as string;
  };
  const incode = async (body: string) => {
    const res = await sendIncode(h, body);
    expect(res.status).toBe(200);
    return h.logs.requests().at(-1)!.eventId as string;
  };

  // The ids the first edition gave these payloads: a redelivery after an upgrade must be a duplicate.
  it.each([
    ['the Veriff seed sample', () => veriff(SEED_VERIFF), 'd3f5624773a957e71ad2084f4dcc4e93e6f2c0a7d1f5c3df079ca808111e74c6'],
    [
      'the Veriff seed sample, compact, keys reordered, a new time',
      () =>
        veriff(
          '{"time":"2021-06-02T12:04:00.287Z","eventType":"ine_registry","sessionId":"f04bdb47-d3be-4b28-b028-a652feb060b5","attemptId":"e30122d1-740b-4764-853f-470374a7abf4","vendorData":"1234567812345678","endUserId":"a1b2c35d-e8f7-6d5e-3cd2-a1b2c35db3d4","version":"1.0.0","data":{"details":{"documentState":"El documento es válido.","active":true},"code":200,"status":"La credencial es válida"}}',
        ),
      'd3f5624773a957e71ad2084f4dcc4e93e6f2c0a7d1f5c3df079ca808111e74c6',
    ],
    [
      'a registry answer that found nothing',
      () =>
        veriff(
          '{"eventType":"ine_registry","sessionId":"f04bdb47-d3be-4b28-b028-a652feb060b5","attemptId":"e30122d1-740b-4764-853f-470374a7abf4","vendorData":"1234567812345678","endUserId":"a1b2c35d-e8f7-6d5e-3cd2-a1b2c35db3d4","version":"1.0.0","time":"2021-06-02T11:04:00.287Z","data":{"status":"No se obtuvieron datos","code":200,"details":{"active":false,"documentState":"No se obtuvieron datos de la consulta con los parámetros seleccionados"}}}',
        ),
      '3773d7daa43ff00d339476e5be2dfab7553c30c4061f516a25c7deb96daca70c',
    ],
    [
      'an unfamiliar Veriff event type',
      () =>
        veriff(
          '{"eventType":"some_new_kind","sessionId":"s-1","vendorData":"ref-1","time":"2026-01-01T00:00:00Z","data":{"x":1.5,"y":[1,2,{"z":null}]}}',
        ),
      '0c3eae1e539c563abea2e209b23bffb21b8c75434ce77b34e298b46dd98107e5',
    ],
    [
      'the Incode IN_PROGRESS sample',
      () => incode('{"InterviewId":"62d9c1c2a2b4c5d6e7f80912","externalId":"customer-42","ScrapingStatus":"IN_PROGRESS"}'),
      '034014f3a467cb2c168352d2b7c89c4cbbfd49b391aff8e0f242d135c1bb9516',
    ],
    [
      'the Incode FINISHED sample',
      () => incode('{"InterviewId":"62d9c1c2a2b4c5d6e7f80912","externalId":"customer-42","ScrapingStatus":"FINISHED"}'),
      '98147b574cd7dedef57876a383222b8ea82c7d8a2cf4020b1fe0bcbf04c5e563',
    ],
    [
      'the same FINISHED in camelCase',
      () => incode('{"interviewId":"62d9c1c2a2b4c5d6e7f80912","scrapingStatus":"FINISHED"}'),
      '98147b574cd7dedef57876a383222b8ea82c7d8a2cf4020b1fe0bcbf04c5e563',
    ],
  ])('%s keeps its id', async (_name, send, id) => {
    expect(await send()).toBe(id);
  });

  it.each([
    ['1e400 and null', '1e400', 'null'],
    ['1e400 and 1e401', '1e400', '1e401'],
    ['big integers that differ in the last digit', '12345678901234567890', '12345678901234567891'],
    ['a decimal past double precision and its rounding', '0.12345678901234567891', '0.12345678901234568'],
    ['-1e400 and 1e400', '-1e400', '1e400'],
  ])('never gives one id to payloads that differ: %s', async (_name, a, b) => {
    const body = (n: string) => `{"eventType":"some_kind","sessionId":"s","data":{"n":${n}}}`;
    const first = await veriff(body(a));
    const second = await veriff(body(b));
    expect(first).not.toBe(second);
    const events = (await h.store.listEvents({ limit: 10 })).items;
    expect(events.map((e) => e.rawBody)).toEqual([body(a), body(b)]);
    // The same value spelt another way is the same event.
    expect(await veriff(body(a.replace('e400', '0e399').replace('1234567890123456789', '1234567890123456789')))).toBe(first);
  });

  it('never gives one id to payloads that differ only in a __proto__ key, at the top or inside data', async () => {
    const ids = [
      await veriff('{"eventType":"k","sessionId":"s","data":{"a":1}}'),
      await veriff('{"eventType":"k","sessionId":"s","data":{"a":1,"__proto__":{"x":1}}}'),
      await veriff('{"eventType":"k","sessionId":"s","data":{"a":1},"__proto__":{"x":1}}'),
      await veriff(
        '{"eventType":"ine_registry","sessionId":"s","attemptId":"a","version":"1","data":{"code":200,"details":{"active":true}}}',
      ),
      await veriff(
        '{"eventType":"ine_registry","sessionId":"s","attemptId":"a","version":"1","data":{"code":200,"details":{"active":true},"__proto__":{"active":false}}}',
      ),
    ];
    expect(new Set(ids).size).toBe(5);
  });

  it('keeps a number the same value when it only looks long: 1.50 and 1.5 are one event', async () => {
    const a = await veriff('{"eventType":"k","sessionId":"s","data":{"n":1.5000000000000000}}');
    const b = await veriff('{"eventType":"k","sessionId":"s","data":{"n":1.5}}');
    expect(a).toBe(b);
  });
});
