import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/harness.js';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('npm run demo -- --once', () => {
  it('starts the service, sends both vendors authenticated samples, prints what was stored, and exits 0', () => {
    const data = tempDir('ine-demo-');
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/demo.ts', '--once'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          PORT: '0',
          ADMIN_PORT: '0',
          HOST: '127.0.0.1',
          ADMIN_HOST: '127.0.0.1',
          DEMO_DATA_DIR: data.dir,
          NO_COLOR: '1',
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(0);
      const out = run.stdout;
      expect(out).toMatch(/Veriff ine_registry, HMAC-signed\s+→ 200 \{"status":"success"\}/);
      expect(out).toMatch(/Veriff retry of the same result \(new time\)\s+→ 200/);
      expect(out).toMatch(/wrong secret\s+→ 401 \{"error":"unauthorized"\}/);
      expect(out).toMatch(/Incode IN_PROGRESS, custom secret header\s+→ 200 \{"success":"true"\}/);
      expect(out).toMatch(/Incode FINISHED, OAuth token then Bearer\s+→ 200 \{"success":"true"\}/);
      expect(out).toMatch(/without an InterviewId \(quarantined\)\s+→ 400 \{"error":"invalid_payload"/);
      expect(out).toMatch(/veriff\s+ine_registry\s+\S+\s+valid\s+2\s+demo-integration/);
      expect(out).toMatch(/incode\s+ine_scraping\s+\S+\s+IN_PROGRESS\s+1\s+static-header/);
      expect(out).toMatch(/incode\s+ine_scraping\s+\S+\s+FINISHED\s+1\s+oauth/);
      // How to look further, with the throwaway token, and no log line or colour code mixed in.
      expect(out).toMatch(/curl -H 'Authorization: Bearer [\w-]+' 'http:\/\/127\.0\.0\.1:\d+\/events\?reference=customer-\d+'/);
      expect(out).toContain(`DATA_DIR=${path.relative(ROOT, data.dir)} npm run cli -- tail`);
      expect(out).not.toContain('\u001b[');
      expect(out).not.toMatch(/"level"|INFO|WARN/);
      expect(readFileSync(path.join(data.dir, 'service.log'), 'utf8')).toContain('"msg":"veriff webhook accepted"');
    } finally {
      data.remove();
    }
  });
});
