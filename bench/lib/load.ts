// Scrape load over real HTTP on loopback, with plain http.request (no load-testing dependency): one
// scraper after another for latency, or N concurrent scrapers for a fixed time for throughput. A
// scrape is timed from the request until the last byte of the body; the body is not decompressed
// (that is the scraper's cost, not the exporter's). Every loop is bounded in count and time.
import { Agent, request } from 'node:http';

export interface ScrapeResult {
  ms: number;
  bytes: number;
  status: number;
  encoding?: string;
}

export interface ScrapeOptions {
  gzip: boolean;
  agent: Agent;
  headers?: Record<string, string>;
  /** Keep the body (for checks); otherwise only its length is counted. */
  keepBody?: boolean;
}

export function newAgent(maxSockets = 1): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

export function scrape(url: string, opts: ScrapeOptions): Promise<ScrapeResult & { body?: Buffer }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.gzip) headers['accept-encoding'] = 'gzip';
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { agent: opts.agent, headers }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (opts.keepBody) chunks.push(c);
      });
      res.on('end', () => {
        resolve({
          ms: performance.now() - started,
          bytes,
          status: res.statusCode ?? 0,
          encoding: res.headers['content-encoding'],
          body: opts.keepBody ? Buffer.concat(chunks) : undefined,
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('scrape timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Scrapes one after another: `count` times, or until `maxMs` has passed (at least `minCount`). */
export async function sequential(
  url: string,
  opts: ScrapeOptions & { count: number; maxMs: number; minCount?: number }
): Promise<ScrapeResult[]> {
  const out: ScrapeResult[] = [];
  const deadline = performance.now() + opts.maxMs;
  while (out.length < opts.count && (performance.now() < deadline || out.length < (opts.minCount ?? 5))) {
    const r = await scrape(url, opts);
    if (r.status !== 200) throw new Error(`scrape answered ${r.status}`);
    out.push({ ms: r.ms, bytes: r.bytes, status: r.status, encoding: r.encoding });
  }
  return out;
}

export interface ConcurrentResult {
  latencies: number[];
  errors: number;
  elapsedMs: number;
  bytes: number;
}

/** `concurrency` scrapers in a loop for `durationMs`, each on its own keep-alive connection. */
export async function concurrent(
  url: string,
  opts: { gzip: boolean; concurrency: number; durationMs: number }
): Promise<ConcurrentResult> {
  const agent = newAgent(opts.concurrency);
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        const r = await scrape(url, { gzip: opts.gzip, agent });
        if (r.status === 200) {
          latencies.push(r.ms);
          bytes += r.bytes;
        } else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { latencies, errors, elapsedMs, bytes };
}
