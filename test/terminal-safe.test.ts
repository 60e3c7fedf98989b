import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { safeOutput, terminalSafe } from '../src/cli/terminal-safe.js';
import { renderTable } from '../src/cli/table.js';
import { cli } from './helpers/cli.js';
import { harness, type Harness } from './helpers/harness.js';
import { sendVeriff } from './helpers/send-delivery.js';

const ESC = '\u001b';
const hostile = {
  status: `approved${ESC}[2K\rdeclined`,
  vendorData: 'cust-tty\n2026-01-01 00:00:00Z  veriff  decision  forged',
  id: `${ESC}]0;pwned\u0007sess\u202eevil\u009b`,
};

describe('what the ops command prints from stored data is terminal-safe', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('escapes C0 and C1 controls, DEL and bidirectional overrides; a row stays one line; JSON stays JSON', () => {
    expect(terminalSafe(hostile.status)).toBe('approved\\x1b[2K\\rdeclined');
    expect(terminalSafe(hostile.id)).toBe('\\x1b]0;pwned\\x07sess\\u202eevil\\x9b');
    expect(terminalSafe('tab\there\u007f')).toBe('tab\\there\\x7f');
    const [, row] = renderTable(['status', 'reference'], [[hostile.status, hostile.vendorData]]);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(row).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(row!.split('\n')).toHaveLength(1);
    const json = JSON.stringify(hostile);
    expect(JSON.parse(safeOutput(json))).toEqual(hostile);
    expect(safeOutput(json)).not.toMatch(/[\u007f-\u009f\u202e]/);
  });

  it('tail and show, from the built command, print hostile statuses, references and ids escaped', async () => {
    h = await harness();
    const decision = {
      verification: { id: hostile.id, vendorData: hostile.vendorData, status: hostile.status, decisionTime: '2026-12-01T10:00:00Z' },
    };
    expect((await sendVeriff(h, decision)).status).toBe(200);
    const env = { DATA_DIR: h.dataDir };
    for (const run of [cli(env, 'tail', '--table'), cli(env, 'show', hostile.vendorData), cli(env, 'show', hostile.id)]) {
      expect(run.code).toBe(0);
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      expect(run.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(run.out).toContain('approved\\x1b[2K\\rdeclined');
    }
    const table = cli(env, 'tail', '--table').out.trim().split('\n');
    expect(table).toHaveLength(2);
    const json = cli(env, 'tail', '--json').out.trim().split('\n');
    expect(json).toHaveLength(1);
    expect(JSON.parse(json[0]!)).toMatchObject({ status: hostile.status, reference: hostile.vendorData, sessionId: hostile.id });
  });

  it('log lines carry request values cut to 100 characters, C1 controls escaped', async () => {
    h = await harness();
    await request(h.app)
      .post('/webhooks/veriff')
      .set('content-type', `application/xml\u0085\u009b31m${'x'.repeat(300)}`)
      .send('<a/>');
    const line = h.logs.requests().at(-1)!;
    expect(line).toMatchObject({ outcome: 'unsupported_media_type' });
    expect(String(line.reason)).not.toMatch(/[\u0080-\u009f]/);
    expect(String(line.reason)).toContain('\\u009b31m');
    expect(String(line.reason).length).toBeLessThan(200);
    // An accepted delivery's integration (Veriff's x-auth-client) is cut too.
    expect(
      (await sendVeriff(h, { verification: { id: 'i-1', status: 'approved' } }, { headers: { 'x-auth-client': 'c'.repeat(8000) } })).status,
    ).toBe(200);
    const accepted = h.logs.requests().at(-1)!;
    expect(String(accepted.integration).length).toBeLessThanOrEqual(101);
  });
});
