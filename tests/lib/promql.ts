// A small PromQL scanner for the static checks: which metric names, label names and functions an
// expression uses. It is not a parser (Prometheus itself parses every expression in the e2e test);
// it only has to classify identifiers: strings, ranges and durations are skipped, identifiers inside
// `{...}` before a matcher are labels, the list after by/without/on/ignoring/group_* holds labels, an
// identifier followed by `(` is a function, the rest are metric names.

const TOKEN =
  /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\[[^\]]*\]|\$\{?\w+(?::\w+)?\}?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[a-zA-Z]*|[a-zA-Z_:][a-zA-Z0-9_:]*|!=|=~|!~|==|>=|<=|\s+|[\s\S]/g;

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
  'atan2',
]);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);
// Aggregation operators may be followed by `by (...)` before their `(`.
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);

export interface PromqlUse {
  metrics: Set<string>;
  /** Labels in matchers, per metric name (`{...}` right after it). */
  selectorLabels: Map<string, Set<string>>;
  /** Every label name the expression mentions (matchers and grouping lists). */
  labels: Set<string>;
  functions: Set<string>;
}

export function scanPromql(expr: string): PromqlUse {
  const tokens = (expr.match(TOKEN) ?? []).filter((t) => !/^\s+$/.test(t));
  const use: PromqlUse = { metrics: new Set(), selectorLabels: new Map(), labels: new Set(), functions: new Set() };
  let braceOwner: string | undefined; // metric whose selector we are in ('' for a bare {...})
  let inBraces = false;
  let groupingList = false;
  let expectGroupingParen = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (inBraces) {
      if (t === '}') {
        inBraces = false;
        braceOwner = undefined;
      } else if (/^[a-zA-Z_]\w*$/.test(t) && next !== undefined && MATCH_OPS.has(next)) {
        use.labels.add(t);
        if (braceOwner) use.selectorLabels.get(braceOwner)!.add(t);
      }
      continue;
    }
    if (groupingList) {
      if (t === ')') groupingList = false;
      else if (/^[a-zA-Z_]\w*$/.test(t)) use.labels.add(t);
      continue;
    }
    if (expectGroupingParen) {
      expectGroupingParen = false;
      if (t === '(') {
        groupingList = true;
        continue;
      }
    }
    if (t === '{') {
      inBraces = true;
      braceOwner = undefined;
      continue;
    }
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(t)) continue;
    const lower = t.toLowerCase();
    if (GROUPING.has(lower)) {
      expectGroupingParen = true;
      continue;
    }
    if (KEYWORDS.has(lower)) continue;
    if (next === '(' || AGGREGATIONS.has(t)) {
      use.functions.add(t);
      continue;
    }
    use.metrics.add(t);
    if (next === '{') {
      if (!use.selectorLabels.has(t)) use.selectorLabels.set(t, new Set());
      inBraces = true;
      braceOwner = t;
      i++; // skip the '{'
    }
  }
  return use;
}

/** Grafana's variables in an expression, except the built-in `$__...` ones. */
export function dashboardVariablesIn(expr: string): string[] {
  return [...expr.matchAll(/\$\{?(\w+)(?::\w+)?\}?/g)].map((m) => m[1]!).filter((n) => !n.startsWith('__'));
}

export interface GrafanaSubstitution {
  rateInterval: string;
  interval: string;
  range: string;
}

/**
 * What Grafana sends to Prometheus: built-in interval variables replaced by durations, and every
 * dashboard variable at its "All" value `.*` (the dashboards only use them in `=~` matchers).
 */
export function substituteGrafana(expr: string, s: GrafanaSubstitution): string {
  return expr
    .replace(/\$__rate_interval\b/g, s.rateInterval)
    .replace(/\$__interval\b/g, s.interval)
    .replace(/\$__range\b/g, s.range)
    .replace(/\$\{?(\w+)(?::\w+)?\}?/g, '.*');
}
