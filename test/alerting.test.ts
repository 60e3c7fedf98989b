import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../src/metrics.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const RULES = path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
const DASHBOARD = path.join(ROOT, 'deploy', 'grafana', 'ine-webhooks-dashboard.json');
const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool && process.env.REQUIRE_BROWSER === '1') throw new Error("no promtool; .ci/run installs Debian's prometheus");
if (!promtool) console.warn('promtool check SKIPPED: no promtool (apt-get install -y prometheus; .ci/run does it)');

/** Every ine_webhooks_* series an expression reads, a histogram's _bucket/_sum/_count read as the histogram. */
const metricsIn = (expr: string) => [...expr.matchAll(/\bine_webhooks_[a-z_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, ''));

/** The metric names the service exports, from a registry as the service builds it. */
async function exported(): Promise<Set<string>> {
  const metrics = createMetrics('sqlite');
  return new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
}

describe('alerting and dashboard files that ops paste in', () => {
  it.skipIf(!promtool)('promtool accepts deploy/prometheus/alerts.yml', () => {
    const run = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('SUCCESS: 6 rules found');
    expect(run.status).toBe(0);
  });

  it('alerts on parked items, a sink 15 minutes behind, 5xx answers, a burst of 401s from one vendor, and the store not ready, by exported metrics', async () => {
    const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
      (g) => g.rules,
    );
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r.expr]));
    expect(byName.IneWebhooksSinkParked).toContain('ine_webhooks_forward_parked');
    expect(byName.IneWebhooksSinkLagging).toMatch(/ine_webhooks_forward_lag_seconds\) > 900/);
    expect(byName.IneWebhooksServerErrors).toContain('store_unavailable');
    expect(byName.IneWebhooksUnauthorizedBurst).toMatch(
      /sum by \(provider\) \(increase\(ine_webhooks_requests_total\{outcome="unauthorized"\}/,
    );
    expect(byName.IneWebhooksStoreNotReady).toContain('ine_webhooks_store_ready');
    const names = await exported();
    for (const rule of rules) for (const metric of metricsIn(rule.expr)) expect(names, `${rule.alert}: ${metric}`).toContain(metric);
  });

  it('the Grafana dashboard queries only metrics the service exports, and each panel has a query', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const names = await exported();
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        const metrics = metricsIn(target.expr);
        expect(metrics.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const metric of metrics) {
          expect(names, `${panel.title}: ${metric}`).toContain(metric);
          used.add(metric);
        }
      }
    }
    expect(used.size).toBeGreaterThanOrEqual(10);
  });
});
