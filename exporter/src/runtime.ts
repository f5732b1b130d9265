import { setFlagsFromString } from 'node:v8';

// How the exporter's process is started, however it is started: the shebangs of the `nexus-exporter`
// command (bin/nexus-exporter.js, what npm links and `npx` runs) and of src/cli.ts, `npm start`, `npm run demo` and `npm run demo:stack`, and the Docker image's
// environment. Node and the C library read NODE_FLAGS and RUNTIME_ENV only when the process starts
// (v8.setFlagsFromString is too late to size the young generation, and JavaScript cannot reach
// malloc's settings), so they are written into each of those launchers; V8_RUNTIME_FLAGS are read at
// every major collection, so the exporter sets them itself. tests/runtime-flags.test.ts keeps every
// launcher equal to what is here, and bench/ measures the exporter with them. docs/performance.md has
// the figures.

/**
 * Node flags (all allowed in NODE_OPTIONS).
 *   --max-semi-space-size=1  caps V8's young generation at 1 MB per semi-space. By default it grows to
 *                            16 MB per semi-space under a burst of allocation (startup, the first polls)
 *                            and stays that size until a memory-reducing collection, minutes later.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * V8 flags the exporter sets on itself when it starts (runExporter). NODE_OPTIONS cannot carry them,
 * and they need not be on the command line: V8 reads them at every major collection.
 *   --heap-growing-percent=50  the old generation may grow to 1.5 times what the last major collection
 *                              kept before the next one. By default V8 lets it grow to up to 4 times,
 *                              so RSS swings with the allocation rate and with how fast the machine
 *                              collects, not with what the exporter holds: under the soak's load the
 *                              heap between collections was 2–3 times the live heap and its median
 *                              drifted upwards as V8 retuned. The cost is more frequent major
 *                              collections of a heap of ~20 MB (a few ms each).
 */
export const V8_RUNTIME_FLAGS: readonly string[] = ['--heap-growing-percent=50'];

/** Sets V8_RUNTIME_FLAGS on this process. */
export function applyV8RuntimeFlags(): void {
  for (const flag of V8_RUNTIME_FLAGS) setFlagsFromString(flag);
}

/**
 * Environment of the process.
 *   MALLOC_MMAP_THRESHOLD_  glibc serves allocations from this size up (128 KiB, its default) from
 *                           their own mappings, which go back to the system when freed. Without it
 *                           glibc raises the threshold after the first such block is freed, and the
 *                           large transient buffers of polls and compilations then stay in its heap.
 *                           Other C libraries ignore it.
 */
export const RUNTIME_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** The command prefix the launchers write: `VAR=value … node flags…`. */
export function launchPrefix(): string {
  return [...Object.entries(RUNTIME_ENV).map(([k, v]) => `${k}=${v}`), 'node', ...NODE_FLAGS].join(' ');
}
