import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from './version.js';
import type { Outcome } from './errors.js';
import type { SinkReport } from './outbox/sinks-report.js';

export interface Metrics {
  registry: Registry;
  /** One webhook request, as its log line says it ended. */
  observeRequest(provider: string, outcome: Outcome, durationSeconds: number): void;
  /** One group-commit batch. */
  observeCommit(stats: { size: number; durationMs: number; ok: boolean }): void;
  oauthToken(result: 'issued' | 'refused'): void;
  /** A connection closed on arrival because MAX_CONNECTIONS were open. */
  connectionDropped(): void;
  connectionEvicted(): void;
  forwardDelivered(sink: string): void;
  forwardFailed(sink: string): void;
  /** The outbox's figures (pending, parked, lag per sink), read when scraped. */
  watchSinks(report: () => Promise<SinkReport[]>): void;
  /** Whether the store accepts writes (the readiness check's answer), read when scraped. */
  watchStore(check: () => Promise<{ ok: boolean }>): void;
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics, on a registry of their own (one per service, so tests get fresh ones).
 * Labels are bounded sets (provider, outcome, backend, reason): never a session id.
 */
export function createMetrics(backend: 'sqlite' | 'postgres'): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'ine_webhooks_build_info',
    help: 'Always 1; the running release in the version label.',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: VERSION }, 1);
  const requests = new Counter({
    name: 'ine_webhooks_requests_total',
    help: 'Webhook requests by provider and outcome.',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'ine_webhooks_request_duration_seconds',
    help: 'Webhook request latency, from the first byte to the answer.',
    labelNames: ['provider', 'outcome'],
    buckets: SECONDS,
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'ine_webhooks_duplicates_total',
    help: 'Redeliveries of events already stored (counted, not stored again).',
    labelNames: ['provider'],
    registers: [registry],
  });
  const quarantined = new Counter({
    name: 'ine_webhooks_quarantined_total',
    help: 'Authentic deliveries kept in quarantine because they are not valid JSON or fail their schema.',
    labelNames: ['provider', 'reason'],
    registers: [registry],
  });
  const commitLatency = new Histogram({
    name: 'ine_webhooks_store_commit_duration_seconds',
    help: 'Duration of one store commit (a batch of writes, one transaction).',
    labelNames: ['backend'],
    buckets: SECONDS,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'ine_webhooks_store_commit_batch_size',
    help: 'Writes per store commit (group commit).',
    labelNames: ['backend'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  });
  const commits = new Counter({
    name: 'ine_webhooks_store_commits_total',
    help: 'Store commits by result.',
    labelNames: ['backend', 'result'],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'ine_webhooks_oauth_tokens_total',
    help: 'OAuth token requests by result.',
    labelNames: ['result'],
    registers: [registry],
  });

  // Zero series up front, so dashboards and rate() see them before the first event.
  for (const result of ['ok', 'error']) commits.inc({ backend, result }, 0);
  for (const result of ['issued', 'refused']) tokens.inc({ result }, 0);

  // Label children resolved once per (provider, outcome): labelled calls hash their labels each time.
  const perOutcome = new Map<string, { count: ReturnType<typeof requests.labels>; time: ReturnType<typeof latency.labels> }>();
  const dropped = new Counter({
    name: 'ine_webhooks_connections_dropped_total',
    help: 'Connections closed on arrival because MAX_CONNECTIONS were already open, every one busy with a request.',
    registers: [registry],
  });
  const evicted = new Counter({
    name: 'ine_webhooks_connections_evicted_total',
    help: 'Idle connections closed to make room for a new one at MAX_CONNECTIONS.',
    registers: [registry],
  });
  const forwarded = new Counter({
    name: 'ine_webhooks_forward_delivered_total',
    help: 'Events delivered to a sink by this process.',
    labelNames: ['sink'],
    registers: [registry],
  });
  const forwardFailures = new Counter({
    name: 'ine_webhooks_forward_failed_total',
    help: 'Failed attempts to deliver an event to a sink by this process (each is retried or parked).',
    labelNames: ['sink'],
    registers: [registry],
  });
  let sinkReport: (() => Promise<SinkReport[]>) | undefined;
  /** Sink figures read once per scrape, however many gauges ask. */
  let scrape: Promise<SinkReport[]> | undefined;
  const sinkFigure = (name: string, help: string, figure: (s: SinkReport) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['sink'],
      registers: [registry],
      async collect() {
        if (!sinkReport) return;
        scrape ??= sinkReport().finally(() => setImmediate(() => (scrape = undefined)));
        const report = await scrape.catch(() => []);
        this.reset();
        for (const s of report) this.set({ sink: s.name }, figure(s) ?? 0);
      },
    });
  sinkFigure('ine_webhooks_forward_pending', 'Events waiting to be delivered to a sink.', (s) => s.pending);
  sinkFigure(
    'ine_webhooks_forward_parked',
    'Events parked for a sink after too many failures (see ine-webhooks redrive).',
    (s) => s.parked,
  );
  sinkFigure(
    'ine_webhooks_forward_lag_seconds',
    'Age of the oldest event waiting for a sink; 0 when none waits.',
    (s) => s.oldestPendingAgeSeconds,
  );
  let storeCheck: (() => Promise<{ ok: boolean }>) | undefined;
  new Gauge({
    name: 'ine_webhooks_store_ready',
    help: 'Whether the store accepts writes (1) or not (0), as /readyz says.',
    registers: [registry],
    async collect() {
      if (storeCheck) this.set((await storeCheck().catch(() => ({ ok: false }))).ok ? 1 : 0);
    },
  });
  return {
    registry,
    watchStore(check) {
      storeCheck = check;
    },
    connectionDropped: () => dropped.inc(),
    connectionEvicted: () => evicted.inc(),
    forwardDelivered: (sink) => forwarded.inc({ sink }),
    forwardFailed: (sink) => forwardFailures.inc({ sink }),
    watchSinks(report) {
      sinkReport = report;
    },
    observeRequest(provider, outcome, durationSeconds) {
      const key = `${provider}\n${outcome}`;
      let series = perOutcome.get(key);
      if (!series) {
        series = { count: requests.labels(provider, outcome), time: latency.labels(provider, outcome) };
        perOutcome.set(key, series);
      }
      series.count.inc();
      series.time.observe(durationSeconds);
      if (outcome === 'duplicate') duplicates.inc({ provider });
      if (outcome === 'invalid_json' || outcome === 'invalid_payload') quarantined.inc({ provider, reason: outcome });
    },
    observeCommit({ size, durationMs, ok }) {
      commitLatency.observe({ backend }, durationMs / 1000);
      batchSize.observe({ backend }, size);
      commits.inc({ backend, result: ok ? 'ok' : 'error' });
    },
    oauthToken(result) {
      tokens.inc({ result });
    },
  };
}
