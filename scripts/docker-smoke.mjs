#!/usr/bin/env node
// Engine-less smoke test of the Dockerfile's runtime stage (no Docker engine on this machine):
// replays what the stages do — npm ci, build, npm prune --omit=dev, copy package.json,
// node_modules and dist — then runs `node dist/main.js` as uid 1000 with the stage's ENV,
// runs the Dockerfile's own HEALTHCHECK command, sends a signed webhook, and checks that
// SIGTERM gives exit code 0.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { healthcheckCommand, parseDockerfile } from './dockerfile-rules.mjs';

const UID = 1000;
const root = path.resolve(import.meta.dirname, '..');
const stages = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
const runtime = stages[stages.length - 1];
const step = (text) => console.log(`docker smoke: ${text}`);
const fail = (text) => {
  console.error(`docker smoke: FAILED: ${text}`);
  process.exitCode = 1;
  throw new Error(text);
};

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// ENV of the runtime stage, as the image would have it.
const imageEnv = {};
for (const i of runtime.instructions.filter((x) => x.keyword === 'ENV')) {
  for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) imageEnv[m[1]] = m[2].replace(/^"|"$/g, '');
}
const workdir = runtime.instructions.find((i) => i.keyword === 'WORKDIR')?.args ?? '/';
const cmd = JSON.parse(runtime.instructions.filter((i) => i.keyword === 'CMD').at(-1).args);
const healthcheck = healthcheckCommand(stages);

const base = mkdtempSync(path.join(tmpdir(), 'ine-docker-smoke-'));
chmodSync(base, 0o755);
const app = path.join(base, workdir.replace(/^\//, ''));
const data = path.join(base, 'data');
let child;
try {
  step('build stage: npm run build, then a copy of node_modules pruned with npm prune --omit=dev');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  mkdirSync(app, { recursive: true });
  for (const f of ['package.json', 'package-lock.json', '.npmrc']) cpSync(path.join(root, f), path.join(app, f));
  cpSync(path.join(root, 'node_modules'), path.join(app, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  execFileSync('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: app });
  rmSync(path.join(app, 'package-lock.json'));
  rmSync(path.join(app, '.npmrc'));
  cpSync(path.join(root, 'dist'), path.join(app, 'dist'), { recursive: true });
  // What the runtime stage copies from the build context itself (COPY without --from).
  for (const copy of runtime.instructions.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from'))) {
    const [from, to] = copy.args.split(/\s+/);
    cpSync(path.join(root, from), path.join(app, to), { recursive: true });
  }

  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const leftovers = Object.keys(pkg.devDependencies ?? {}).filter((d) => existsSync(path.join(app, 'node_modules', d)));
  if (leftovers.length > 0) fail(`dev dependencies in the runtime image: ${leftovers.join(', ')}`);
  step(`runtime stage: ${readdirSync(path.join(app, 'node_modules')).length} production packages, no dev dependencies`);

  mkdirSync(data, { mode: 0o700 });
  chownSync(data, UID, UID);
  const port = await freePort();
  const adminPort = await freePort();
  const secret = 'docker-smoke-secret';
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    ...imageEnv,
    DATA_DIR: data,
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    VERIFF_SHARED_SECRET: secret,
  };
  if (env.NODE_ENV !== 'production') fail(`runtime NODE_ENV is ${env.NODE_ENV}`);
  const asUser = (argv) => ['setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', ...argv]];
  const runHealthcheck = () => {
    const [bin, args] = asUser(healthcheck.map((a) => (a === 'node' ? process.execPath : a)));
    return spawnSync(bin, args, { cwd: app, env, timeout: 3000 }).status;
  };

  if (runHealthcheck() === 0) fail('HEALTHCHECK passed before the service started');
  const [bin, args] = asUser(cmd.map((a) => (a === 'node' ? process.execPath : a)));
  child = spawn(bin, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('service did not log "listening" within 10 s')), 10_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"msg":"listening"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code }) => reject(new Error(`service exited with ${code}`)));
  });
  const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
  if (uid !== String(UID)) fail(`service runs as uid ${uid}, not ${UID}`);
  step(`${cmd.join(' ')} runs as uid ${uid} with NODE_ENV=${env.NODE_ENV}`);

  const healthy = runHealthcheck();
  if (healthy !== 0) fail(`the Dockerfile's HEALTHCHECK command exited ${healthy}`);
  step('HEALTHCHECK command exits 0 against the running service');

  const body = JSON.stringify({
    eventType: 'ine_registry',
    sessionId: 'smoke',
    attemptId: 'a',
    version: '1.0.0',
    time: new Date().toISOString(),
    data: { status: 'La credencial es válida', code: 200, details: { active: true } },
  });
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/veriff/ine-registry`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-hmac-signature': createHmac('sha256', secret).update(body).digest('hex') },
  });
  if (res.status !== 200) fail(`signed webhook answered ${res.status}`);
  const owner = statSync(path.join(data, 'events.sqlite3')).uid;
  if (owner !== UID) fail(`database file owned by uid ${owner}`);
  step(`signed webhook → 200; ${path.join('DATA_DIR', 'events.sqlite3')} written by uid ${owner}`);
  const css = await fetch(`http://127.0.0.1:${adminPort}/console/assets/console.css`);
  const signIn = await fetch(`http://127.0.0.1:${adminPort}/console/sign-in`);
  if (css.status !== 200 || signIn.status !== 200) fail(`console: stylesheet ${css.status}, sign-in page ${signIn.status}`);
  step('console: sign-in page and stylesheet served on ADMIN_PORT');

  child.kill('SIGTERM');
  const { code, signal } = await Promise.race([exited, new Promise((r) => setTimeout(() => r({ code: 'timeout' }), 15_000))]);
  if (code !== 0) fail(`SIGTERM gave exit ${code ?? signal}`);
  step('SIGTERM → exit 0');
  console.log('docker smoke: ok');
} catch (error) {
  if (!process.exitCode) console.error(`docker smoke: FAILED: ${error.message}`);
  process.exitCode = 1;
  if (child && child.exitCode === null) child.kill('SIGKILL');
} finally {
  rmSync(base, { recursive: true, force: true });
}
