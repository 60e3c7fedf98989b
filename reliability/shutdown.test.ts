import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../src/store/sqlite-store.js';
import { tempDir } from '../test/helpers/harness.js';
import { startProcess } from '../test/helpers/service-process.js';
import { report, SHORT } from './reliability-config.js';
import { makeDeliveries, post, SERVICE_SECRETS, type Answer } from './vendor-sender.js';

describe('graceful shutdown under load', () => {
  it('SIGTERM with requests in flight: each is answered after commit or not at all; no 200 is lost', async () => {
    const rounds = SHORT ? 2 : 5;
    let answered200 = 0;
    let unanswered = 0;
    let other = 0;
    for (let round = 0; round < rounds; round += 1) {
      const data = tempDir('ine-term-');
      try {
        const service = await startProcess({ DATA_DIR: data.dir, ...SERVICE_SECRETS });
        const port = Number(new URL(service.url).port);
        const deliveries = makeDeliveries(3000);
        const answers = new Map<string, Answer>();
        let next = 0;
        const senders = Array.from({ length: 40 }, async () => {
          while (next < deliveries.length) {
            const d = deliveries[next++]!;
            answers.set(d.sessionId, await post(port, d, 3000));
            if (answers.get(d.sessionId)!.status === 0) return;
          }
        });
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
        service.child.kill('SIGTERM');
        await Promise.all(senders);
        expect(await service.exited).toBe(0);

        const db = new Database(path.join(data.dir, SQLITE_FILE), { readonly: true });
        const stored = new Set(db.prepare('SELECT session_id FROM events').pluck().all() as string[]);
        db.close();
        for (const [sessionId, answer] of answers) {
          if (answer.status === 200) {
            answered200 += 1;
            expect(stored.has(sessionId)).toBe(true);
          } else if (answer.status === 0) unanswered += 1;
          else other += 1;
        }
        expect(service.lines.at(-1)?.msg).toBe('stopped');
      } finally {
        data.remove();
      }
    }
    report('graceful shutdown under load', {
      sigterms: rounds,
      answered200,
      storedOf200: answered200,
      lost: 0,
      notAnswered: unanswered,
      otherAnswers: other,
    });
    expect(answered200).toBeGreaterThan(0);
  });
});
