// The OpenTelemetry semantic conventions the receiver keeps, and how a point is attributed to Nexus'
// labels. Names, units, attributes and advised bucket boundaries follow:
//   GenAI client metrics: open-telemetry/semantic-conventions v1.41.0 (e018fe6, 2026-04-28),
//     docs/gen-ai/gen-ai-metrics.md — unchanged in open-telemetry/semantic-conventions-genai
//     (docs/gen-ai/gen-ai-metrics.md at 004902b), where the GenAI conventions moved after v1.41.0;
//     `gen_ai.system` is the deprecated name of `gen_ai.provider.name` (docs/registry/attributes/gen-ai.md).
//   HTTP client duration: open-telemetry/semantic-conventions v1.41.0, docs/http/http-metrics.md.
// The same rules are written in PromQL in provisioning/prometheus/rules/nexus-client.yml for data that
// arrives through an OpenTelemetry Collector or Prometheus' own OTLP receiver; keep the two in step.

/** gen_ai.client.operation.duration (s): ExplicitBucketBoundaries advised by the GenAI conventions. */
export const GENAI_DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** http.client.request.duration (s): ExplicitBucketBoundaries advised by the HTTP conventions. */
export const HTTP_CLIENT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export const SEMCONV = {
  operationDuration: 'gen_ai.client.operation.duration',
  tokenUsage: 'gen_ai.client.token.usage',
  httpClientDuration: 'http.client.request.duration',
} as const;

export const ATTR = {
  providerName: 'gen_ai.provider.name',
  system: 'gen_ai.system',
  operationName: 'gen_ai.operation.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  tokenType: 'gen_ai.token.type',
  errorType: 'error.type',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  httpMethod: 'http.request.method',
  serviceName: 'service.name',
} as const;

/** The kept metrics with their unit, instrument and attributes (the conventions' attribute tables). */
export const SEMCONV_METRICS = [
  {
    name: SEMCONV.operationDuration,
    unit: 's',
    instrument: 'histogram',
    attributes: [
      ATTR.operationName,
      ATTR.providerName,
      ATTR.system,
      ATTR.errorType,
      ATTR.requestModel,
      ATTR.serverPort,
      ATTR.responseModel,
      ATTR.serverAddress,
    ],
  },
  {
    name: SEMCONV.tokenUsage,
    unit: '{token}',
    instrument: 'histogram',
    attributes: [
      ATTR.operationName,
      ATTR.providerName,
      ATTR.system,
      ATTR.tokenType,
      ATTR.requestModel,
      ATTR.serverPort,
      ATTR.responseModel,
      ATTR.serverAddress,
    ],
  },
  {
    name: SEMCONV.httpClientDuration,
    unit: 's',
    instrument: 'histogram',
    attributes: [
      ATTR.httpMethod,
      ATTR.serverAddress,
      ATTR.serverPort,
      ATTR.errorType,
      'http.response.status_code',
      'network.protocol.name',
      'network.protocol.version',
      'url.scheme',
      'url.template',
    ],
  },
] as const;

/** The hosts of the providers Nexus polls; `receiver.hosts` adds more (proxies, regional endpoints). */
export const PROVIDER_HOSTS: Readonly<Record<string, string>> = {
  'api.openai.com': 'openai',
  'openrouter.ai': 'openrouter',
  'api.exa.ai': 'exa',
  'api.twilio.com': 'twilio',
  'api.apollo.io': 'apollo',
};

/** The output metric each kept semantic-convention metric feeds (names in metrics/catalog.ts). */
export type ClientKind = 'operation' | 'tokens' | 'http';

/** Attributes of one point and its resource, as strings (absent ones undefined). */
export type AttributeReader = (key: string) => string | undefined;

/** The provider a host is, from `host:port` first and then the bare host, or undefined. */
export function hostProvider(
  hosts: Readonly<Record<string, string>>,
  address: string | undefined,
  port: string | undefined
): string | undefined {
  if (!address) return undefined;
  const host = address.toLowerCase();
  return (port ? hosts[`${host}:${port}`] : undefined) ?? hosts[host];
}

/**
 * The provider of a GenAI point: a known provider host first (OpenAI-compatible clients report
 * `openai` for every host they are pointed at; the conventions say `server.address` identifies the
 * actual system), then `gen_ai.provider.name`, then the deprecated `gen_ai.system`, then the host.
 * Our provider names are the conventions' values (`openai`), so no value is renamed. An empty
 * attribute counts as absent, as it does for Prometheus labels.
 */
export function genaiProvider(attr: AttributeReader, hosts: Readonly<Record<string, string>>): string {
  return (
    hostProvider(hosts, attr(ATTR.serverAddress), attr(ATTR.serverPort)) ||
    attr(ATTR.providerName) ||
    attr(ATTR.system) ||
    attr(ATTR.serverAddress) ||
    ''
  );
}

/** The model of a GenAI point: the model that answered, else the one asked for. */
export function genaiModel(attr: AttributeReader): string {
  return attr(ATTR.responseModel) || attr(ATTR.requestModel) || '';
}
