/**
 * Metrics through the plugin API: one prom-client Registry per kernel (never the
 * global one, so tests can build many kernels). Names follow Prometheus
 * conventions, checked here once instead of in every plugin.
 */
import { Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';

export interface MetricsApi {
  counter<L extends string>(config: CounterConfiguration<L>): Counter<L>;
  gauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L>;
  histogram<L extends string>(config: HistogramConfiguration<L>): Histogram<L>;
  /** The kernel's registry (for exposition by the metrics plugin). */
  readonly registry: Registry;
}

const NAME = /^runtime_[a-z][a-z0-9_]*$/;

function checkName(name: string, kind: 'counter' | 'gauge' | 'histogram'): void {
  if (!NAME.test(name)) throw new Error(`metric "${name}" must match ${NAME} (prefix runtime_, snake_case)`);
  if (kind === 'counter' && !name.endsWith('_total')) throw new Error(`counter "${name}" must end in _total`);
  if (kind !== 'counter' && name.endsWith('_total')) throw new Error(`${kind} "${name}" must not end in _total`);
  if (kind === 'histogram' && !/_(seconds|bytes|ratio|tokens|items|rounds)$/.test(name)) {
    throw new Error(`histogram "${name}" must end in a base unit (_seconds, _bytes, …)`);
  }
}

/** Returns an existing metric of the same name (plugins may share one) or creates it. */
export function createMetricsApi(registry: Registry): MetricsApi {
  function getOrCreate<T>(name: string, create: () => T): T {
    const existing = registry.getSingleMetric(name);
    return (existing as T | undefined) ?? create();
  }
  return {
    registry,
    counter(config) {
      checkName(config.name, 'counter');
      return getOrCreate(config.name, () => new Counter({ ...config, registers: [registry] }));
    },
    gauge(config) {
      checkName(config.name, 'gauge');
      return getOrCreate(config.name, () => new Gauge({ ...config, registers: [registry] }));
    },
    histogram(config) {
      checkName(config.name, 'histogram');
      return getOrCreate(config.name, () => new Histogram({ ...config, registers: [registry] }));
    },
  };
}
