import type { Registry } from 'prom-client';

/**
 * Counters and histograms for the request path, registered in a prom-client
 * Registry like its own metrics (text, JSON, a cluster's aggregation), but
 * counted by one Map lookup on a key the caller builds: prom-client's own
 * label handling (an object per call, its keys sorted and hashed) was most of
 * the metrics' cost per request, measured with scripts/bench/own-cpu.mjs.
 */
interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class FastMetric<S> {
  protected readonly series = new Map<string, { labels: Record<string, string>; s: S }>();
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'histogram';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** the series of one combination of labels, in `labelNames` order, by its key (the values joined by `key`) */
  protected at(key: string, values: readonly string[]): S {
    let e = this.series.get(key);
    if (!e) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]!));
      e = { labels, s: this.fresh() };
      this.series.set(key, e);
    }
    return e.s;
  }

  protected abstract fresh(): S;
  abstract get(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: string }>;

  reset(): void {
    this.series.clear();
  }
}

/** Joins label values into a series key. */
export const key = (values: readonly string[]) => values.join('\u0001');

export class FastCounter extends FastMetric<{ n: number }> {
  readonly type = 'counter';
  protected fresh() {
    return { n: 0 };
  }
  inc(k: string, values: readonly string[], by = 1): void {
    this.at(k, values).n += by;
  }
  async get() {
    const values: Value[] = [];
    for (const { labels, s } of this.series.values()) values.push({ labels, value: s.n });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class FastHistogram extends FastMetric<{ buckets: Float64Array; sum: number; count: number }> {
  readonly type = 'histogram';
  constructor(name: string, help: string, labelNames: readonly string[], private readonly bounds: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
  }
  protected fresh() {
    return { buckets: new Float64Array(this.bounds.length), sum: 0, count: 0 };
  }
  observe(k: string, values: readonly string[], v: number): void {
    const s = this.at(k, values);
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        s.buckets[i]!++;
        break;
      }
    }
    s.sum += v;
    s.count++;
  }
  async get() {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, s } of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: bucket });
      values.push({ labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
