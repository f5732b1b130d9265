// A configuration that cannot run: every problem as `key.path: what is wrong`. Its own module so that
// code checking settings at run time (config/otlp.ts) need not load the YAML parser.
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[]
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}
