import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './harness.js';

/**
 * Whether this machine lets us mount a tmpfs (root): probed by mounting and unmounting at once, so
 * a test file can decide its skips at collection and leave nothing mounted. Says so when it cannot.
 */
export function canMountTmpfs(skipping: string): boolean {
  const probe = tempDir('ine-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe.dir], { stdio: 'ignore' });
    execFileSync('umount', [probe.dir]);
    return true;
  } catch {
    console.warn(`${skipping} SKIPPED: cannot mount a tmpfs here (needs root)`);
    return false;
  } finally {
    probe.remove();
  }
}

/** A size-limited filesystem of the test's own (a real full disk when filled); remove() unmounts and deletes it. */
export function mountTmpfs(size: string): { dir: string; remove(): void } {
  const tmp = tempDir('ine-tmpfs-');
  const dir = path.join(tmp.dir, 'mnt');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return {
    dir,
    remove() {
      // Lazy: a process that still holds a file open there must not keep the mount alive.
      execFileSync('umount', ['-l', dir]);
      tmp.remove();
    },
  };
}
