// Thin clients for the Prometheus and Alertmanager HTTP APIs the e2e test asserts against.

export interface PromSample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

export interface PromResponse {
  httpStatus: number;
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: PromSample[] | string | number };
}

export interface PromRule {
  name: string;
  type: 'alerting' | 'recording';
  query: string;
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  lastEvaluation: string;
  state?: 'inactive' | 'pending' | 'firing';
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: string;
}

export class PrometheusApi {
  constructor(readonly url: string) {}

  private async get(path: string, params: Record<string, string | string[]>): Promise<PromResponse> {
    const u = new URL(path, this.url);
    for (const [k, v] of Object.entries(params))
      for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, item);
    const res = await fetch(u);
    const body = (await res.json()) as Omit<PromResponse, 'httpStatus'>;
    return { ...body, httpStatus: res.status };
  }

  /** Instant query; a parse error answers HTTP 400 with errorType bad_data. */
  query(expr: string, time?: number): Promise<PromResponse> {
    return this.get('/api/v1/query', { query: expr, ...(time !== undefined ? { time: String(time) } : {}) });
  }

  queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<PromResponse> {
    return this.get('/api/v1/query_range', {
      query: expr,
      start: String(start),
      end: String(end),
      step: String(stepSeconds),
    });
  }

  async labelValues(label: string, match: string): Promise<string[]> {
    const r = await this.get(`/api/v1/label/${encodeURIComponent(label)}/values`, { 'match[]': match });
    return (r.data as unknown as string[]) ?? [];
  }

  async rules(): Promise<PromRule[]> {
    const res = await fetch(new URL('/api/v1/rules', this.url));
    const body = (await res.json()) as { data: { groups: Array<{ rules: PromRule[] }> } };
    return body.data.groups.flatMap((g) => g.rules);
  }

  async alerts(): Promise<PromAlert[]> {
    const res = await fetch(new URL('/api/v1/alerts', this.url));
    const body = (await res.json()) as { data: { alerts: PromAlert[] } };
    return body.data.alerts;
  }

  /** Values of an instant vector query, or [] when it returned nothing. */
  async vector(expr: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
    const r = await this.query(expr);
    if (r.status !== 'success' || !Array.isArray(r.data?.result)) throw new Error(`query ${expr} failed: ${r.error}`);
    return r.data.result.map((s) => ({ labels: s.metric, value: Number(s.value![1]) }));
  }
}

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receivers: Array<{ name: string }>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}

export class AlertmanagerApi {
  constructor(readonly url: string) {}

  /** Alerts Alertmanager holds, suppressed (inhibited) ones included, filtered by matchers like `alertname="X"`. */
  async alerts(...filters: string[]): Promise<AmAlert[]> {
    const u = new URL('/api/v2/alerts', this.url);
    for (const f of filters) u.searchParams.append('filter', f);
    const res = await fetch(u);
    if (!res.ok) throw new Error(`GET ${u}: HTTP ${res.status}`);
    return (await res.json()) as AmAlert[];
  }
}
