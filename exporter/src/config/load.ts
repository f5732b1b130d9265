// Reads nexus.yaml: YAML → ${ENV} substitution → schema validation with defaults. Every problem is
// reported at once, one per line, as `key.path: what is wrong`.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './error.js';
import { otlpPush } from './otlp.js';
import { configSchema, type ExporterConfig } from './schema.js';

export { ConfigError };

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ExporterConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [
      code === 'ENOENT' ? `file not found (pass --config PATH)` : `cannot read file: ${code ?? String(e)}`,
    ]);
  }
  return parseConfig(text, path, env);
}

export function parseConfig(text: string, source = 'config', env: NodeJS.ProcessEnv = process.env): ExporterConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`)
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const problems: string[] = [];
  const substituted = substituteEnv(raw, [], env, problems);
  const result = configSchema.safeParse(substituted, { reportInput: true });
  if (!result.success) problems.push(...formatIssues(result.error));
  else {
    try {
      otlpPush(result.data.otlp, env); // the OTEL_EXPORTER_OTLP_* variables it reads, checked with the file
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return result.data as ExporterConfig;
}

/** Replaces `${VAR}` and `${VAR:-default}` in every string value; `$${` escapes a literal `${`. */
function substituteEnv(
  value: unknown,
  path: Array<string | number>,
  env: NodeJS.ProcessEnv,
  problems: string[]
): unknown {
  if (typeof value === 'string') {
    const replaced = value.replace(
      /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (whole, escape: string, name: string, fallback?: string) => {
        if (escape) return whole.slice(1);
        const v = env[name];
        if (v !== undefined && v !== '') return v;
        if (fallback !== undefined) return fallback;
        problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
        return '';
      }
    );
    return replaced;
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, [...path, i], env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteEnv(v, [...path, k], env, problems)])
    );
  }
  return value;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(root)';
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    // `input` is only inspected for absence; it is never printed, so a secret cannot leak from here.
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${where}: is required`;
    if (issue.code === 'invalid_type')
      return `${where}: must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
    if (issue.code === 'invalid_value')
      return `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    return `${where}: ${issue.message}`;
  });
}
