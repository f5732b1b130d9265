// The Node.js flags the exporter runs with, however it is started: the shebang of the `nexus-exporter`
// bin (src/cli.ts), `npm start`, `npm run demo` and `npm run demo:stack`, and NODE_OPTIONS in the Docker
// image. V8 reads them only when the process starts (v8.setFlagsFromString is too late to size the
// heap), so they are written into each of those launchers; tests/runtime-flags.test.ts keeps every one
// equal to this list, and bench/ measures the exporter with it. They may also go in NODE_OPTIONS.
//   --max-semi-space-size=1  caps V8's young generation at 1 MB per semi-space. By default it grows to
//                            16 MB per semi-space under a burst of allocation (startup, the first polls,
//                            a large answer) and stays that size until a memory-reducing collection,
//                            minutes later. The exporter's objects mostly live long (snapshots, ledgers),
//                            so a small nursery costs it little.
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
