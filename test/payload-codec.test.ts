import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePayloadKeys } from '../src/privacy/payload-keys.js';
import { CLEAR_CODEC, createPayloadCodec, MissingPayloadKeyError, openEventBody, sealEventBody } from '../src/store/payload-codec.js';

describe('payload sealing (AES-256-GCM)', () => {
  const [k1, k2] = [
    { id: 'k1', key: randomBytes(32) },
    { id: 'k2', key: randomBytes(32) },
  ];

  it('seals each body afresh, opens it exactly, and refuses a tampered or moved one', () => {
    const codec = createPayloadCodec([k2, k1]);
    const body = '{"curp":"GODE561231HDFRRN04","ñ":"\\u0000"}';
    const a = sealEventBody(codec, body);
    const b = sealEventBody(codec, body);
    expect(a.keyId).toBe('k2');
    expect(a.rawBody).not.toBe(b.rawBody);
    expect(a.rawBody).not.toContain('GODE');
    expect(openEventBody(codec, a.rawBody, 'k2')).toBe(body);
    const tampered = Buffer.from(a.rawBody, 'base64');
    tampered[tampered.length - 1]! ^= 1;
    expect(() => openEventBody(codec, tampered.toString('base64'), 'k2')).toThrow();
    // Bound to what it seals: an event body is not a quarantined delivery's.
    expect(() => codec.open('quarantine', Buffer.from(a.rawBody, 'base64'), 'k2')).toThrow();
    // An older key still opens what it sealed; a key no longer configured is named.
    const old = sealEventBody(createPayloadCodec([k1]), body);
    expect(openEventBody(codec, old.rawBody, 'k1')).toBe(body);
    expect(() => openEventBody(createPayloadCodec([k2]), old.rawBody, 'k1')).toThrow(MissingPayloadKeyError);
    expect(() => openEventBody(CLEAR_CODEC, old.rawBody, 'k1')).toThrow('sealed with key "k1"');
    expect(sealEventBody(CLEAR_CODEC, body)).toEqual({ rawBody: body, keyId: null });
  });

  it('parses PAYLOAD_KEYS, naming every problem and never a key', () => {
    const good = randomBytes(32).toString('base64');
    expect(parsePayloadKeys(`a:${good}, b.2:${good}`).keys.map((k) => k.id)).toEqual(['a', 'b.2']);
    const { problems } = parsePayloadKeys(`a:${good},a:${good},x:${randomBytes(16).toString('base64')},nocolon, :${good}`);
    expect(problems).toEqual([
      'key a: named twice',
      'key x: must be the base64 of exactly 32 random bytes (openssl rand -base64 32)',
      'entry 4: must be <key id>:<base64 key>, the id 1-32 letters, digits, _ . or -',
      'entry 5: must be <key id>:<base64 key>, the id 1-32 letters, digits, _ . or -',
    ]);
    expect(problems.join(' ')).not.toContain(good);
  });
});
