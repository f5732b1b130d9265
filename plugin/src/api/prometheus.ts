// Instant PromQL queries through Grafana's data source API (`POST /api/ds/query`), so the Overview page
// works with whatever Prometheus (or Mimir, Thanos...) data source the admin picked, with Grafana's auth.
import { lastValueFrom } from 'rxjs';
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { toApiError } from './client';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface QueryResult {
  samples: Sample[];
  error?: string;
}

interface Frame {
  schema?: { fields?: Array<{ name: string; type?: string; labels?: Record<string, string> }> };
  data?: { values?: unknown[][] };
}

interface DsQueryResponse {
  results?: Record<string, { status?: number; error?: string; frames?: Frame[] }>;
}

/** Runs each named PromQL expression as an instant query; one failing expression does not fail the others. */
export async function instantQueries(
  datasourceUid: string,
  queries: Record<string, string>
): Promise<Record<string, QueryResult>> {
  const body = {
    from: 'now-5m',
    to: 'now',
    queries: Object.entries(queries).map(([refId, expr]) => ({
      refId,
      expr,
      datasource: { type: 'prometheus', uid: datasourceUid },
      instant: true,
      range: false,
      format: 'time_series',
      intervalMs: 15000,
      maxDataPoints: 100,
    })),
  };
  let response: DsQueryResponse;
  try {
    const r = await lastValueFrom(
      getBackendSrv().fetch<DsQueryResponse>({
        url: '/api/ds/query',
        method: 'POST',
        data: body,
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    response = r.data;
  } catch (e) {
    // A failing query makes the whole request non-2xx, but the body still has per-query results.
    if (isFetchError(e) && (e.data as DsQueryResponse | undefined)?.results) {
      response = e.data as DsQueryResponse;
    } else {
      throw toApiError(e, 'prometheus');
    }
  }
  const out: Record<string, QueryResult> = {};
  for (const refId of Object.keys(queries)) {
    const result = response.results?.[refId];
    out[refId] = result?.error
      ? { samples: [], error: result.error }
      : { samples: framesToSamples(result?.frames ?? []) };
  }
  return out;
}

export function framesToSamples(frames: Frame[]): Sample[] {
  const samples: Sample[] = [];
  for (const frame of frames) {
    const fields = frame.schema?.fields ?? [];
    const index = fields.findIndex((f) => f.type === 'number');
    if (index < 0) {
      continue;
    }
    const column = frame.data?.values?.[index] ?? [];
    const value = column[column.length - 1];
    if (typeof value === 'number' && Number.isFinite(value)) {
      samples.push({ labels: fields[index].labels ?? {}, value });
    }
  }
  return samples;
}
