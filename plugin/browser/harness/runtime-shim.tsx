// Stands in for @grafana/runtime in the browser harness: the parts the plugin uses, backed by the
// harness server (harness/server.mts), which plays Grafana: plugin settings, and the `exporter`
// proxy route that adds the admin token server-side. The plugin's own code runs unchanged.
import React from 'react';
import { Observable } from 'rxjs';
import { Combobox, Text } from '@grafana/ui';

export interface FetchError {
  status: number;
  statusText: string;
  data: unknown;
  config: unknown;
}

export interface BackendSrvRequest {
  url: string;
  method?: string;
  data?: unknown;
  showErrorAlert?: boolean;
  showSuccessAlert?: boolean;
}

export function isFetchError(e: unknown): e is FetchError {
  return typeof e === 'object' && e !== null && 'status' in e && 'data' in e;
}

function fetchObservable<T>(
  options: BackendSrvRequest
): Observable<{ data: T; status: number; ok: boolean; config: BackendSrvRequest }> {
  return new Observable((subscriber) => {
    const controller = new AbortController();
    const hasBody = options.data !== undefined;
    window
      .fetch(options.url, {
        method: options.method ?? 'GET',
        // Like Grafana's backendSrv: objects are sent as JSON.
        headers: hasBody ? { 'content-type': 'application/json' } : {},
        body: hasBody ? JSON.stringify(options.data) : undefined,
        signal: controller.signal,
      })
      .then(
        async (res) => {
          const text = await res.text();
          let data: unknown = text;
          try {
            data = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text, as Grafana does
          }
          if (!res.ok) {
            subscriber.error({ status: res.status, statusText: res.statusText, data, config: options });
            return;
          }
          subscriber.next({ data: data as T, status: res.status, ok: true, config: options });
          subscriber.complete();
        },
        (err) => subscriber.error({ status: 0, statusText: String(err), data: undefined, config: options })
      );
    return () => controller.abort();
  });
}

export function getBackendSrv() {
  return { fetch: fetchObservable };
}

export function PluginPage({ children }: { children?: React.ReactNode }) {
  return <main>{children}</main>;
}

interface HarnessWindow {
  __NEXUS_DATASOURCES__?: Array<{ uid: string; name: string }>;
}

/** Grafana's data source picker, reduced to a Combobox over the harness's data sources. */
export function DataSourcePicker(props: {
  current?: string | null;
  inputId?: string;
  onChange: (ds: { uid: string; name: string }) => void;
}) {
  const list = (window as unknown as HarnessWindow).__NEXUS_DATASOURCES__ ?? [];
  if (list.length === 0) {
    return <Text color="secondary">No data sources</Text>;
  }
  return (
    <Combobox
      id={props.inputId}
      width={60}
      value={props.current ?? null}
      options={list.map((d) => ({ label: d.name, value: d.uid }))}
      onChange={(o) => {
        const ds = list.find((d) => d.uid === o.value);
        if (ds) {
          props.onChange(ds);
        }
      }}
    />
  );
}
