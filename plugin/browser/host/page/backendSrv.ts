// getBackendSrv() as Grafana's frontend implements it, ported from grafana/grafana
// public/app/core/services/backend_srv.ts and public/app/core/utils/fetch.ts (stored copies read
// 2026-11-29). What a plugin sees of it:
//   - local URLs lose their leading `/` (the page has <base href="/">) and get X-Grafana-Org-Id;
//   - POST/PUT/PATCH bodies are JSON, `accept: application/json, text/plain, */*`, same-origin cookies;
//   - the body is parsed as JSON when it is JSON, else kept as text;
//   - a non-2xx answer is thrown as a FetchError {status, statusText, data, config}, whose `data` is made
//     an object: a text body becomes {message: <text>, error: <statusText>, response: <text>};
//   - a 401 from a local URL, on the first attempt of a signed-in user, makes Grafana rotate the session
//     token (POST /api/user/auth-tokens/rotate; clientTokenRotation is on by default) and send the
//     request once more: a plugin proxy route whose upstream answers 401 is called twice;
//   - error alerts are published on appEvents unless the request says showErrorAlert: false.
// Left out: the FetchQueue (it only limits how many data queries run at once) and the inspector stream.
import { from, lastValueFrom, Observable, Subject, throwError, type MonoTypeOperatorFunction } from 'rxjs';
import { fromFetch } from 'rxjs/fetch';
import {
  catchError,
  filter,
  finalize,
  map,
  mergeMap,
  retryWhen,
  share,
  takeUntil,
  tap,
  throwIfEmpty,
} from 'rxjs/operators';
import { AppEvents, type EventBus } from '@grafana/data';
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';

const CANCEL_ALL_REQUESTS_REQUEST_ID = 'cancel_all_requests_request_id';
const GRAFANA_TRACEID_HEADER = 'grafana-trace-id';

export const isLocalUrl = (url: string) => !url.match(/^http/);
export const isDataQuery = (url: string) => url.includes('api/datasources/proxy') || url.includes('api/ds/query');

function isContentTypeJson(headers: Headers): boolean {
  const contentType = headers.get('content-type')?.toLowerCase();
  return contentType === 'application/json' || contentType === 'application/merge-patch+json';
}

function parseHeaders(options: BackendSrvRequest): Headers {
  const headers = new Headers(options.headers ?? {});
  const method = options.method?.toLowerCase() ?? '';
  if (['post', 'put', 'patch'].includes(method) && !headers.get('content-type')) {
    headers.set('content-type', 'application/json');
  }
  if (!headers.get('accept')) {
    headers.set('accept', 'application/json, text/plain, */*');
  }
  return headers;
}

function parseBody(options: BackendSrvRequest, isAppJson: boolean): BodyInit | undefined {
  if (!options.data || typeof options.data === 'string' || options.data instanceof Blob) {
    return options.data as BodyInit | undefined;
  }
  return isAppJson ? JSON.stringify(options.data) : new URLSearchParams(options.data as Record<string, string>);
}

function parseInitFromOptions(options: BackendSrvRequest): RequestInit {
  const headers = parseHeaders(options);
  return {
    method: options.method,
    headers,
    body: parseBody(options, isContentTypeJson(headers)),
    credentials: options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
    signal: options.abortSignal,
  };
}

function parseUrlFromOptions(options: BackendSrvRequest): string {
  const params = Object.entries(options.params ?? {}).filter(
    ([, v]) => v !== undefined && !(v && (v as { length?: number }).length === 0)
  );
  const serialized = params
    .map(([key, value]) =>
      Array.isArray(value)
        ? value.map((v) => `${encodeURIComponent(key)}=${encodeURIComponent(v)}`).join('&')
        : `${encodeURIComponent(key)}=${encodeURIComponent(value as string)}`
    )
    .join('&');
  return options.params && serialized.length ? `${options.url}?${serialized}` : options.url;
}

async function parseResponseBody<T>(response: Response, responseType?: BackendSrvRequest['responseType']): Promise<T> {
  switch (responseType) {
    case 'arraybuffer':
      return (await response.arrayBuffer()) as T;
    case 'blob':
      return (await response.blob()) as T;
    case 'json':
      if (response.headers.get('Content-Length') === '0') {
        console.warn(`${response.url} returned an invalid JSON`);
        return {} as T;
      }
      return await response.json();
    case 'text':
      return (await response.text()) as T;
  }
  const textData = await response.text();
  try {
    return JSON.parse(textData);
  } catch {
    return textData as T;
  }
}

export interface HostUser {
  orgId: number;
  isSignedIn: boolean;
}

export class HostBackendSrv {
  private inFlightRequests = new Subject<string>();
  private tokenRotationInProgress: Observable<FetchResponse> | null = null;

  constructor(
    private readonly user: HostUser,
    private readonly appEvents: EventBus
  ) {}

  async request<T = unknown>(options: BackendSrvRequest): Promise<T> {
    return await lastValueFrom(this.fetch<T>(options).pipe(map((response) => response.data)));
  }

  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return this.internalFetch<T>({ ...options });
  }

  private internalFetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    if (options.requestId) {
      this.inFlightRequests.next(options.requestId);
    }
    options = this.parseRequestOptions(options);
    return this.getFromFetchStream<T>(options).pipe(
      this.handleStreamResponse<T>(options),
      this.handleStreamError(options),
      this.handleStreamCancellation(options)
    );
  }

  resolveCancelerIfExists(requestId: string) {
    this.inFlightRequests.next(requestId);
  }

  cancelAllInFlightRequests() {
    this.inFlightRequests.next(CANCEL_ALL_REQUESTS_REQUEST_ID);
  }

  async datasourceRequest(options: BackendSrvRequest): Promise<unknown> {
    return lastValueFrom(this.fetch(options));
  }

  private parseRequestOptions(options: BackendSrvRequest): BackendSrvRequest {
    options.retry = options.retry ?? 0;
    if (isLocalUrl(options.url)) {
      options.headers = { ...(options.headers ?? {}), 'X-Grafana-Org-Id': String(this.user.orgId) };
      if (options.url.startsWith('/')) {
        options.url = options.url.substring(1);
      }
      if (options.headers.Authorization) {
        options.headers['X-DS-Authorization'] = options.headers.Authorization;
        delete options.headers.Authorization;
      }
    }
    if (options.hideFromInspector === undefined) {
      options.hideFromInspector = isLocalUrl(options.url) && !isDataQuery(options.url);
    }
    return options;
  }

  private getFromFetchStream<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return fromFetch(parseUrlFromOptions(options), parseInitFromOptions(options)).pipe(
      mergeMap(async (response) => {
        const { status, statusText, ok, headers, url, type, redirected } = response;
        const responseType = options.responseType ?? (isContentTypeJson(headers) ? 'json' : undefined);
        const data = await parseResponseBody<T>(response, responseType);
        return {
          status,
          statusText,
          ok,
          data,
          headers,
          url,
          type,
          redirected,
          config: options,
          traceId: headers.get(GRAFANA_TRACEID_HEADER) ?? undefined,
        } as FetchResponse<T>;
      })
    );
  }

  private showSuccessAlert<T>(response: FetchResponse<T>) {
    const { config } = response;
    if (config.showSuccessAlert === false) {
      return;
    }
    if (
      config.showSuccessAlert === undefined &&
      (config.method === 'GET' || isDataQuery(config.url) || !isLocalUrl(config.url))
    ) {
      return;
    }
    const data = response.data as { message?: string } | undefined;
    if (data?.message) {
      this.appEvents.publish({ type: AppEvents.alertSuccess.name, payload: [data.message] });
    }
  }

  private showErrorAlert(config: BackendSrvRequest, err: FetchError) {
    if (config.showErrorAlert === false) {
      return;
    }
    if (config.showErrorAlert === undefined && (isDataQuery(config.url) || !isLocalUrl(config.url))) {
      return;
    }
    let description = '';
    let message = (err.data as { message: string }).message;
    if (message.length > 80) {
      description = message;
      message = 'Error';
    }
    if (err.status === 422) {
      description = (err.data as { message: string }).message;
      message = 'Validation failed';
    }
    const event = err.status < 500 ? AppEvents.alertWarning : AppEvents.alertError;
    this.appEvents.publish({ type: event.name, payload: [message, description] });
  }

  private processRequestError(options: BackendSrvRequest, err: FetchError): FetchError {
    err.data = err.data ?? { message: 'Unexpected error' };
    if (typeof err.data === 'string') {
      err.data = { message: err.data, error: err.statusText, response: err.data };
    }
    const data = err.data as { message?: string; error?: unknown };
    if (data && !data.message && typeof data.error === 'string') {
      data.message = data.error;
    }
    if (data.message) {
      setTimeout(() => {
        if (!err.isHandled) {
          this.showErrorAlert(options, err);
        }
      }, 50);
    }
    return err;
  }

  private handleStreamResponse<T>(options: BackendSrvRequest): MonoTypeOperatorFunction<FetchResponse<T>> {
    return (inputStream) =>
      inputStream.pipe(
        map((response) => {
          if (!response.ok) {
            const { status, statusText, data } = response;
            const fetchErrorResponse: FetchError = { status, statusText, data, config: options };
            throw fetchErrorResponse;
          }
          return response;
        }),
        tap((response) => this.showSuccessAlert(response))
      );
  }

  private handleStreamError<T>(options: BackendSrvRequest): MonoTypeOperatorFunction<FetchResponse<T>> {
    const { isSignedIn } = this.user;
    return (inputStream) =>
      inputStream.pipe(
        retryWhen((attempts: Observable<FetchError>) =>
          attempts.pipe(
            mergeMap((error, i) => {
              const firstAttempt = i === 0 && options.retry === 0;
              if (error.status === 401 && isLocalUrl(options.url) && firstAttempt && isSignedIn) {
                return from(this.rotateToken()).pipe(catchError((err) => throwError(() => err)));
              }
              return throwError(() => error);
            })
          )
        ),
        catchError((err: FetchError) => throwError(() => this.processRequestError(options, err)))
      );
  }

  private handleStreamCancellation<T>(options: BackendSrvRequest): MonoTypeOperatorFunction<FetchResponse<T>> {
    return (inputStream) =>
      inputStream.pipe(
        takeUntil(
          this.inFlightRequests.pipe(
            filter(
              (requestId) =>
                Boolean(options.requestId && options.requestId === requestId) ||
                requestId === CANCEL_ALL_REQUESTS_REQUEST_ID
            )
          )
        ),
        throwIfEmpty(() => ({
          type: 'cancelled',
          cancelled: true,
          data: null,
          status: -1,
          statusText: 'Request was aborted',
          config: options,
        }))
      );
  }

  rotateToken(): Observable<FetchResponse> {
    if (this.tokenRotationInProgress) {
      return this.tokenRotationInProgress;
    }
    this.tokenRotationInProgress = this.fetch({ url: '/api/user/auth-tokens/rotate', method: 'POST', retry: 1 }).pipe(
      finalize(() => {
        this.tokenRotationInProgress = null;
      }),
      share()
    );
    return this.tokenRotationInProgress;
  }

  get<T = unknown>(
    url: string,
    params?: BackendSrvRequest['params'],
    requestId?: string,
    options?: Partial<BackendSrvRequest>
  ) {
    return this.request<T>({ ...options, method: 'GET', url, params, requestId });
  }

  delete<T = unknown>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>) {
    return this.request<T>({ ...options, method: 'DELETE', url, data });
  }

  post<T = unknown>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>) {
    return this.request<T>({ ...options, method: 'POST', url, data });
  }

  patch<T = unknown>(url: string, data: unknown, options?: Partial<BackendSrvRequest>) {
    return this.request<T>({ ...options, method: 'PATCH', url, data });
  }

  put<T = unknown>(url: string, data: unknown, options?: Partial<BackendSrvRequest>) {
    return this.request<T>({ ...options, method: 'PUT', url, data });
  }
}

export const asBackendSrv = (srv: HostBackendSrv) => srv as unknown as BackendSrv;
