import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The small metrics interface every part of the gateway calls: named instruments with a
 * fixed list of label names. Parts that come later (OIDC, forward auth) ask for their own
 * instruments here; they never import prom-client. Label values must come from a bounded
 * set (route and authenticator names, method classes, status codes): never a path, a
 * user or an address, which would grow the series without limit.
 */
export interface MetricsCounter<L extends string> {
  inc(labels: Partial<Record<L, string | number>>, value?: number): void;
}
export interface MetricsHistogram<L extends string> {
  observe(labels: Partial<Record<L, string | number>>, seconds: number): void;
}
export interface MetricsGauge<L extends string> {
  set(labels: Partial<Record<L, string | number>>, value: number): void;
  inc(labels: Partial<Record<L, string | number>>, value?: number): void;
  dec(labels: Partial<Record<L, string | number>>, value?: number): void;
}

export interface Metrics {
  /** false when `metrics.enabled` is off: instruments are no-ops that cost nothing */
  readonly enabled: boolean;
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): MetricsCounter<L>;
  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets?: readonly number[]): MetricsHistogram<L>;
  /** `collect` runs at each scrape, for values read from elsewhere (pool state) */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect?: (gauge: MetricsGauge<L>) => void): MetricsGauge<L>;
  /** the exposition text and its content type */
  render(): Promise<{ contentType: string; body: string }>;
}

const PREFIX = 'portcullis_';
/** seconds: from sub-millisecond filter work to a slow engine */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Metrics on a registry of their own (never prom-client's global one), with the process metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  // the same name asked for twice (a reload builds the gateway again) gets the same instrument
  const made = new Map<string, unknown>();
  const once = <T>(name: string, build: () => T): T => {
    if (!made.has(name)) made.set(name, build());
    return made.get(name) as T;
  };
  const gaugeCollectors = new Map<string, (g: MetricsGauge<string>) => void>();
  return {
    enabled: true,
    counter: (name, help, labelNames) =>
      once(name, () => new Counter({ name: PREFIX + name, help, labelNames: [...labelNames], registers: [registry] })) as MetricsCounter<never>,
    histogram: (name, help, labelNames, buckets = LATENCY_BUCKETS) =>
      once(name, () => {
        const h = new Histogram({ name: PREFIX + name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [registry] });
        return { observe: (labels: Record<string, string | number>, seconds: number) => h.observe(labels as never, seconds) };
      }) as MetricsHistogram<never>,
    gauge: (name, help, labelNames, collect) => {
      // a reload replaces the collector (it reads the new gateway's pools), the gauge stays
      if (collect) gaugeCollectors.set(name, collect as (g: MetricsGauge<string>) => void);
      return once(name, () => {
        const g: Gauge<string> = new Gauge({
          name: PREFIX + name,
          help,
          labelNames: [...labelNames],
          registers: [registry],
          collect() {
            const c = gaugeCollectors.get(name);
            if (c) c(g as unknown as MetricsGauge<string>);
          },
        });
        return g;
      }) as unknown as MetricsGauge<never>;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

const noop = { inc() {}, observe() {}, set() {}, dec() {} };

/** The instruments when metrics are off. */
export function disabledMetrics(): Metrics {
  return {
    enabled: false,
    counter: () => noop,
    histogram: () => noop,
    gauge: () => noop,
    async render() {
      return { contentType: 'text/plain', body: '' };
    },
  };
}

/** GET/HEAD/OPTIONS read, everything else writes: two values, whatever method a client invents. */
export function methodClass(method: string): 'read' | 'write' {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'read' : 'write';
}

