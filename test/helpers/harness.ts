import { mkdtempSync, rmSync } from 'node:fs';
import { createActivityCounts, type ActivityCounts } from '../../src/activity/activity-counts.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Express } from 'express';
import { buildAdminApp } from '../../src/admin/admin-app.js';
import { buildApp } from '../../src/app.js';
import type { TimerClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { configuredQueues } from '../../src/configured-queues.js';
import { startRelay } from '../../src/outbox/relay.js';
import { sinksReport } from '../../src/outbox/sinks-report.js';

export const VERIFF_SECRET = 'veriff-shared-secret-one';
export const INCODE_HEADER_SECRET = 'incode-header-secret-0123456789';
export const OAUTH_ID = 'incode-client';
export const OAUTH_SECRET = 'incode-oauth-secret-0123456789';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

/** Every method configured; tests override what they exercise. */
export const FULL_ENV: Record<string, string> = {
  VERIFF_SHARED_SECRET: VERIFF_SECRET,
  INCODE_HEADER_NAME: 'x-webhook-secret',
  INCODE_HEADER_SECRET,
  INCODE_OAUTH_CLIENT_ID: OAUTH_ID,
  INCODE_OAUTH_CLIENT_SECRET: OAUTH_SECRET,
  ADMIN_TOKEN,
  LOG_LEVEL: 'debug',
};

export interface LogCapture {
  lines: Record<string, unknown>[];
  text(): string;
  /** The one line per webhook request (those with provider and outcome). */
  requests(): Record<string, unknown>[];
}

export function captureLogs(level: pino.Level = 'debug'): { logger: Logger; logs: LogCapture } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level, redact: { paths: ['authorization', '*.authorization'], censor: '[redacted]' } },
    {
      write: (s: string) => {
        raw.push(s);
        lines.push(JSON.parse(s));
      },
    },
  );
  return {
    logger,
    logs: {
      lines,
      text: () => raw.join(''),
      requests: () => lines.filter((l) => 'provider' in l && 'outcome' in l),
    },
  };
}

/** A clock tests move by hand. */
/**
 * A clock the test moves: `advance` moves time and runs the timers that fall due, in order (the
 * relay's waits); `waitForTimers(n)` resolves once at least `n` are waiting (the relay is asleep:
 * its look is done), the signal to check that nothing happened.
 */
export function manualClock(start = Date.parse('2026-11-22T10:00:00.000Z')): TimerClock & {
  advance(ms: number): void;
  pendingTimers(): number;
  /** How many timers were ever set: a relay that set one more has looked and gone back to sleep. */
  timersSet(): number;
  waitForTimers(n?: number, timeoutMs?: number): Promise<void>;
} {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimer(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { cancel: () => void timers.delete(id) };
    },
    advance: (ms) => {
      now += ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= now).sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
        if (!due) return;
        timers.delete(due[0]);
        due[1].fn();
      }
    },
    pendingTimers: () => timers.size,
    timersSet: () => nextId,
    async waitForTimers(n = 1, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (timers.size < n) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${n} timer(s) on the manual clock`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

export function tempDir(prefix = 'ine-webhooks-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Harness {
  app: Express;
  admin: Express;
  store: EventStore;
  config: Config;
  logs: LogCapture;
  /** The logger whose lines land in `logs`. */
  logger: Logger;
  clock: ReturnType<typeof manualClock>;
  metrics: Metrics;
  activity: ActivityCounts;
  dataDir: string;
  close(): Promise<void>;
}

/** A fresh app on a real SQLite file in its own temp folder. */
export async function harness(env: Record<string, string> = FULL_ENV, options: { store?: EventStore } = {}): Promise<Harness> {
  const tmp = tempDir();
  const config = loadConfig({ ...env, DATA_DIR: tmp.dir });
  const clock = manualClock();
  const { logger, logs } = captureLogs();
  const metrics = createMetrics('sqlite');
  let poke = () => {};
  // Sinks and fetches, as the service runs them, when the settings turn them on.
  const queues = configuredQueues(config, clock);
  const routing = queues.routing();
  const store =
    options.store ??
    (await openSqliteStore({
      dataDir: tmp.dir,
      batchMax: config.store.batchMax,
      clock,
      routing,
      payloadKeys: config.privacy.payloadKeys,
      onCommit: (stats) => {
        metrics.observeCommit(stats);
        poke();
      },
    }));
  const targets = queues.targets(store);
  const relay =
    targets.length > 0
      ? startRelay({
          outbox: store.outbox,
          targets,
          clock,
          logger,
          ...config.forward,
          pollMs: 10,
          onDelivered: metrics.forwardDelivered,
          onFailed: metrics.forwardFailed,
        })
      : undefined;
  metrics.watchSinks(() => sinksReport(store.outbox, targets, clock.now()));
  metrics.watchStore(() => store.check());
  poke = () => relay?.poke();
  const activity = createActivityCounts(store.access, clock, logger);
  return {
    app: buildApp({ config, store, logger, clock, metrics, activity, installationId: await store.installationId() }),
    admin: buildAdminApp({ config, store, logger, metrics, activity, queues, sinks: targets, clock }),
    activity,
    metrics,
    store,
    config,
    logs,
    logger,
    clock,
    dataDir: tmp.dir,
    async close() {
      await relay?.stop();
      await activity.stop();
      await store.close();
      tmp.remove();
    },
  };
}
