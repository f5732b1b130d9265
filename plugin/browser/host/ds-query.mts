// POST /api/ds/query for Prometheus data sources, as Grafana answers it (grafana/grafana, stored copies
// read 2026-11-29): pkg/api/metrics.go QueryMetricsV2 (status 200, or 400 when any query failed, the
// body still holding every query's result), pkg/promlib querydata/converter (an instant query is
// Prometheus' /api/v1/query at the request's `to`; a vector becomes one data frame per series with a
// `Time` field and a `Value` field carrying the series' labels). The queries run on a real Prometheus:
// only the data source plumbing is played here.

export interface HostDataSource {
  uid: string;
  name: string;
  type: 'prometheus';
  /** Where the Grafana server reaches it. */
  url: string;
}

interface Query {
  refId: string;
  expr?: string;
  instant?: boolean;
  range?: boolean;
  datasource?: { uid?: string; type?: string };
}

interface PromAnswer {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

function parseTime(t: unknown, now: number): number {
  if (typeof t === 'number') {
    return t;
  }
  const s = String(t ?? 'now');
  if (/^\d+$/.test(s)) {
    return Number(s);
  }
  const m = /^now(?:-(\d+)([smhd]))?$/.exec(s);
  if (!m) {
    throw new Error(`unsupported time ${s}`);
  }
  const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[(m[2] ?? 's') as 's'];
  return now - Number(m[1] ?? 0) * unit;
}

function frame(refId: string, expr: string, series: { metric: Record<string, string>; value: [number, string] }) {
  const value = Number(series.value[1]);
  const finite = Number.isFinite(value);
  return {
    schema: {
      refId,
      meta: {
        type: 'numeric-multi',
        typeVersion: [0, 1],
        custom: { resultType: 'vector' },
        executedQueryString: `Expr: ${expr}`,
      },
      fields: [
        { name: 'Time', type: 'time', typeInfo: { frame: 'time.Time' } },
        { name: 'Value', type: 'number', typeInfo: { frame: 'float64' }, labels: series.metric },
      ],
    },
    data: {
      values: [[Math.round(series.value[0] * 1000)], [finite ? value : null]],
      ...(finite ? {} : { entities: [null, { [Number.isNaN(value) ? 'NaN' : value > 0 ? 'Inf' : 'NegInf']: [0] }] }),
    },
  };
}

export async function dsQuery(
  datasources: HostDataSource[],
  rawBody: string
): Promise<{ status: number; body: unknown }> {
  let req: { queries?: Query[]; to?: unknown };
  try {
    req = JSON.parse(rawBody);
  } catch {
    return { status: 400, body: { message: 'bad request data' } };
  }
  const at = parseTime(req.to, Date.now()) / 1000;
  const results: Record<string, unknown> = {};
  let failed = false;
  for (const q of req.queries ?? []) {
    const ds = datasources.find((d) => d.uid === q.datasource?.uid);
    if (!ds) {
      return { status: 404, body: { message: 'Data source not found' } };
    }
    if (!q.instant || q.range) {
      results[q.refId] = { status: 400, error: 'the plugin test host only runs instant queries' };
      failed = true;
      continue;
    }
    // Grafana's data source HTTP client times out after 30 s (the [dataproxy] timeout default).
    const res = await fetch(
      `${ds.url}/api/v1/query?${new URLSearchParams({ query: q.expr ?? '', time: String(at) })}`,
      {
        signal: AbortSignal.timeout(30_000),
      }
    );
    const answer = (await res.json()) as PromAnswer;
    if (answer.status !== 'success' || !answer.data) {
      results[q.refId] = {
        status: res.status,
        error: `${answer.errorType}: ${answer.error}`,
        errorSource: 'downstream',
      };
      failed = true;
      continue;
    }
    const frames = answer.data.result.map((s) => frame(q.refId, q.expr ?? '', s));
    results[q.refId] = {
      status: 200,
      frames: frames.length
        ? frames
        : [
            {
              schema: {
                refId: q.refId,
                meta: { type: 'numeric-multi', typeVersion: [0, 1], custom: { resultType: 'vector' } },
                fields: [],
              },
              data: { values: [] },
            },
          ],
    };
  }
  return { status: failed ? 400 : 200, body: { results } };
}
