import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CLEAN_CWD } from './service-process.js';

export const CLI = path.resolve(import.meta.dirname, '..', '..', 'bin', 'ine-webhooks.js');

/** Runs the built ops command to its end, in a clean folder, with only `env` (and PATH). */
export function cli(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: CLEAN_CWD,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
