import type { Registry } from 'prom-client';

/**
 * Counters and histograms for the request path, registered in a prom-client
 * Registry like its own metrics (text, JSON, a cluster's aggregation), but
 * counted by one Map lookup on a key the caller builds: prom-client's own
 * label handling (an object per call, its keys sorted and hashed) was most of
 * the metrics' cost per request, measured with scripts/bench/own-cpu.mjs. A
 * series is found by its label values through nested Maps: the values are
 * mostly the same string objects each time (route patterns, names, ids),
 * whose hashes V8 keeps, where a key joined from them is hashed anew.
 */
interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

type Label = string | number;
interface Series<S> {
  labels: Record<string, string>;
  s: S;
}
type Level<S> = Map<Label, Level<S> | Series<S>>;

abstract class FastMetric<S> {
  protected readonly series: Series<S>[] = [];
  private readonly root: Level<S> = new Map();
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

  /** the series of one combination of label values, in `labelNames` order (a caller may keep it and count into it) */
  at(values: readonly Label[]): S {
    let level = this.root;
    const last = values.length - 1;
    if (last < 0) return (this.series[0] ??= { labels: {}, s: this.fresh() }).s;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]!) as Level<S> | undefined;
      if (!next) level.set(values[i]!, (next = new Map()));
      level = next;
    }
    let e = level.get(values[last]!) as Series<S> | undefined;
    if (!e) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => (labels[n] = String(values[i])));
      e = { labels, s: this.fresh() };
      level.set(values[last]!, e);
      this.series.push(e);
    }
    return e.s;
  }

  protected abstract fresh(): S;
  protected abstract zero(s: S): void;
  abstract get(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: string }>;

  /** back to zero in place: series a caller kept (`at`) go on counting */
  reset(): void {
    for (const e of this.series) this.zero(e.s);
  }
}

export class FastCounter extends FastMetric<{ n: number }> {
  readonly type = 'counter';
  protected fresh() {
    return { n: 0 };
  }
  protected zero(s: { n: number }) {
    s.n = 0;
  }
  inc(values: readonly Label[], by = 1): void {
    this.at(values).n += by;
  }
  async get() {
    const values: Value[] = [];
    for (const { labels, s } of this.series) values.push({ labels, value: s.n });
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
  protected zero(s: { buckets: Float64Array; sum: number; count: number }) {
    s.buckets.fill(0);
    s.sum = s.count = 0;
  }
  observe(values: readonly Label[], v: number): void {
    this.observeIn(this.at(values), v);
  }
  /** counts `v` into a series `at` gave */
  observeIn(s: { buckets: Float64Array; sum: number; count: number }, v: number): void {
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
    for (const { labels, s } of this.series) {
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
