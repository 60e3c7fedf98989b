#!/usr/bin/env node
// The package's command (`npx ine-webhooks ...`): runs the compiled CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('ine-webhooks: not built yet: run "npm run build" first\n');
  process.exit(1);
}
await import(cli);
