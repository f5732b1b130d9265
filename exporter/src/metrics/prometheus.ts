// /metrics through prom-client. Three registries, rendered separately and concatenated:
//   - data: provider snapshots and budgets; re-rendered only when a poll swaps a snapshot.
//   - health: calls, errors, polls; re-rendered only when one of them changed.
//   - process: prom-client's default process and Node.js metrics, cheap, rendered per scrape.
// Each metric's collect() only reads the model; nothing here calls a provider.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CATALOG, HTTP_DURATION_BUCKETS, labelNames, type MetricDef, type MetricName } from './catalog.js';
import type { MetricsModel } from './model.js';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export class PrometheusOutput {
  private readonly data = new Registry();
  private readonly health = new Registry();
  private readonly process = new Registry();
  private cache = { data: { version: -1, text: '' }, health: { version: -1, text: '' } };

  constructor(private readonly model: MetricsModel) {
    for (const def of CATALOG) this.register(def);
    collectDefaultMetrics({ register: this.process });
  }

  private register(def: MetricDef): void {
    const registry = def.part === 'health' ? this.health : this.data;
    const common = { name: def.name, help: def.help, labelNames: labelNames(def), registers: [registry] };
    const model = this.model;
    const name = def.name as MetricName;
    if (def.type === 'histogram') {
      const h = new Histogram({ ...common, buckets: HTTP_DURATION_BUCKETS });
      model.onDuration((labels, seconds) => h.observe(labels, seconds));
      model.onRemove((labels) => h.remove(labels));
    } else if (def.type === 'counter') {
      new Counter({
        ...common,
        collect() {
          this.reset();
          for (const s of model.series(name)) this.inc(s.labels, s.value);
        },
      });
    } else {
      new Gauge({
        ...common,
        collect() {
          this.reset();
          for (const s of model.series(name)) this.set(s.labels, s.value);
        },
      });
    }
  }

  /** The full exposition. Data and health text is reused until the model changes. */
  async render(): Promise<string> {
    const { data, health } = this.cache;
    if (data.version !== this.model.dataVersion) {
      const version = this.model.dataVersion;
      data.text = await this.data.metrics();
      data.version = version;
    }
    if (health.version !== this.model.healthVersion) {
      const version = this.model.healthVersion;
      health.text = await this.health.metrics();
      health.version = version;
    }
    return data.text + health.text + (await this.process.metrics());
  }
}
