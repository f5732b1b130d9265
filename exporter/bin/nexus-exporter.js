#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1
// The `nexus-exporter` command (`npx nexus-exporter` in this repository, `nexus-exporter` once the
// workspace is installed): runs the compiled CLI. This file exists before the build, so that npm links
// the command at install time; `npm run build` compiles dist/.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('nexus-exporter is not built yet: run `npm run build` first');
  process.exit(1);
}
await import(cli.href);
