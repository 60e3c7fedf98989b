import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'main.js');
/**
 * Where the built programs run in tests: an empty folder, so a developer's own `.env` in the
 * working tree (dotenv reads the current folder's) never changes what a test sees.
 */
export const CLEAN_CWD = mkdtempSync(path.join(os.tmpdir(), 'ine-cwd-'));

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  adminUrl: string;
  /** Every stdout line, parsed (a line that is not JSON fails the test that reads it). */
  lines: Record<string, unknown>[];
  stdout: string[];
  stderr: string[];
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts the built service (`node dist/main.js`, as the container does) on free ports. */
export function startProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: CLEAN_CWD,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: '0',
      ADMIN_PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const lines: Record<string, unknown>[] = [];
  // 'close', not 'exit': it comes after the child's stdout is drained, so every log line is in `lines`.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start: ${stderr.join('\n')} ${stdout.join('\n')}`)), 10_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`service exited with ${code}: ${stderr.join('\n')}`), { code, stderr, stdout }));
    });
    createInterface({ input: child.stdout! }).on('line', (l) => {
      stdout.push(l);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(l);
      } catch {
        line = { notJson: l };
      }
      lines.push(line);
      if (line.msg === 'listening') {
        clearTimeout(timer);
        resolve({
          child,
          url: line.url as string,
          adminUrl: line.adminUrl as string,
          lines,
          stdout,
          stderr,
          exited,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}

/** Runs the built service expecting it to exit; resolves with its code and output. */
export function runToExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], {
      cwd: CLEAN_CWD,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
