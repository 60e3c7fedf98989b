#!/usr/bin/env node
// Static lint of the Dockerfile without an engine: dockerfile-utils' validator, the house rules
// of SPEC §6 / TOOLCHAIN.md, and shellcheck on the RUN lines when shellcheck is installed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { validate } from 'dockerfile-utils';
import { healthcheckCommand, parseDockerfile } from './dockerfile-rules.mjs';

const file = process.argv[2] ?? 'Dockerfile';
const text = readFileSync(file, 'utf8');
const problems = [];

for (const d of validate(text, { instructionWorkdirRelative: 1, instructionCasing: 1, emptyContinuationLine: 1 })) {
  problems.push(`${file}:${d.range.start.line + 1}: ${d.message}`);
}

const stages = parseDockerfile(text);
const runtime = stages[stages.length - 1];
const has = (keyword, pattern) => runtime.instructions.some((i) => i.keyword === keyword && pattern.test(i.args));
if (stages.length < 2) problems.push('not multi-stage: build tools must stay out of the runtime image');
for (const s of stages) {
  if (!/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$/.test(s.image)) problems.push(`base image ${s.image} is not pinned to an exact release`);
}
if (!has('USER', /^(node|1000)(:\S+)?$/)) problems.push('runtime stage does not run as the non-root node user (uid 1000)');
if (!has('CMD', /^\["node",\s*"dist\/main\.js"\]$/)) problems.push('runtime CMD is not ["node", "dist/main.js"]');
if (!has('VOLUME', /\/data/)) problems.push('no VOLUME at /data');
if (!has('ENV', /NODE_ENV=production/)) problems.push('runtime stage does not set NODE_ENV=production');
if (!has('ENV', /DATA_DIR=\/data/)) problems.push('runtime stage does not set DATA_DIR=/data');
if (!healthcheckCommand(stages)) problems.push('no HEALTHCHECK with an exec-form CMD in the runtime stage');
if (runtime.instructions.some((i) => i.keyword === 'COPY' && /^\.\s/.test(i.args)))
  problems.push('runtime stage copies the whole build context');
if (
  !stages.slice(0, -1).some((s) => s.instructions.some((i) => i.keyword === 'RUN' && /npm prune --omit=dev|npm ci --omit=dev/.test(i.args)))
) {
  problems.push('dev dependencies are not removed before the runtime stage copies node_modules');
}

let shellcheck = 'shellcheck not installed: RUN lines not checked';
try {
  execFileSync('shellcheck', ['--version'], { stdio: 'ignore' });
  const runs = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN' && !i.args.startsWith('[')).map((i) => i.args));
  const script = `#!/bin/sh\n${runs.join('\n')}\n`;
  try {
    execFileSync('shellcheck', ['-s', 'sh', '-'], { input: script, stdio: ['pipe', 'pipe', 'pipe'] });
    shellcheck = `shellcheck: ${runs.length} RUN lines clean`;
  } catch (error) {
    problems.push(`shellcheck on RUN lines:\n${error.stdout}`);
  }
} catch {
  // reported below
}

if (problems.length > 0) {
  console.error(`Dockerfile lint: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`Dockerfile lint: ok (${stages.length} stages; dockerfile-utils clean; house rules hold; ${shellcheck})`);
