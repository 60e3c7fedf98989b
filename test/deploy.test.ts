import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '..');
const compose = parse(readFileSync(path.join(ROOT, 'deploy', 'compose.yaml'), 'utf8'), { merge: true });
const nginx = readFileSync(path.join(ROOT, 'deploy', 'nginx.conf'), 'utf8');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

/** There is no Docker engine here: these check the deploy files against each other and the build. */
describe('deploy/compose.yaml (static checks)', () => {
  // A compose file is loosely typed YAML; the assertions below check the shapes they read.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const services = compose.services as Record<string, Record<string, any>>;
  const replicas = Object.keys(services).filter((n) => n.startsWith('replica-'));

  it('pins every external image and builds the service image once', () => {
    const built = services.migrate!.image;
    for (const [name, s] of Object.entries(services)) {
      if (s.image !== built) expect(s.image, name).toMatch(/:[\w.-]*\d+\.\d+/);
    }
    expect(Object.values(services).filter((s) => s.build)).toHaveLength(1);
    expect(services.migrate!.build.context).toBe('..');
  });

  it('runs two replicas of the same image on the shared PostgreSQL, after migrate, not migrating themselves', () => {
    expect(replicas).toHaveLength(2);
    for (const name of replicas) {
      const s = services[name]!;
      expect(s.image).toBe(services.migrate!.image);
      expect(s.environment.DATABASE_URL).toMatch(/^postgres:\/\/ine:.*@postgres:5432\/ine$/);
      expect(s.environment.MIGRATE_ON_START).toBe('false');
      expect(s.depends_on.migrate.condition).toBe('service_completed_successfully');
      expect(s.ports[0]).toMatch(/^127\.0\.0\.1:\d+:9090$/);
    }
    expect(services.migrate!.depends_on.postgres.condition).toBe('service_healthy');
    expect(services.postgres!.healthcheck.test).toContain('pg_isready');
  });

  it('offers NATS JetStream as an option (profile nats), with its data on a volume', () => {
    const nats = services.nats!;
    expect(nats.profiles).toEqual(['nats']);
    expect(nats.command).toEqual(expect.arrayContaining(['-js', '-sd', '/data']));
    expect(nats.volumes).toEqual(['nats-data:/data']);
    expect(Object.keys(compose.volumes as object)).toContain('nats-data');
    expect(nats.ports[0]).toMatch(/^127\.0\.0\.1:4222:4222$/);
  });

  it('runs a migrate command that the build produces', () => {
    const [node, script, command] = services.migrate!.command;
    expect([node, command]).toEqual(['node', 'migrate']);
    expect(existsSync(path.join(ROOT, 'src', script.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
  });

  it('load-balances the public port of exactly those replicas', () => {
    const port = /PORT=(\d+)/.exec(dockerfile)![1];
    const upstreams = [...nginx.matchAll(/server (\S+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstreams.sort()).toEqual(replicas.map((r) => `${r}:${port}`).sort());
    expect(nginx).toContain('X-Forwarded-For');
    expect(services.lb!.volumes[0]).toBe('./nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('builds and runs on the Node release that package.json and CI use: a pinned Node 24 LTS tag in both stages', () => {
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(bases).toEqual(['node:24.21.0-bookworm', 'node:24.21.0-bookworm-slim']);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=24 <25');
    expect(readFileSync(path.join(ROOT, 'scripts', 'use-node24.sh'), 'utf8')).toContain('NODE24_VERSION:-24.21.0');
  });
});
