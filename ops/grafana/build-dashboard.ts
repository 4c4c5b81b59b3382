/**
 * Builds ops/grafana/mc-runtime.json, the Grafana dashboard of a fleet of
 * runtimes (one per account), from the panel list below. Run it after changing
 * a panel: `node ops/grafana/build-dashboard.ts`; tests/cli/running-runtime.test.ts
 * fails when the committed file drifts from this list or queries a metric a real
 * runtime does not expose.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const SEL = 'job=~"$job", instance=~"$instance"';
const RATE = '$__rate_interval';

interface Panel {
  title: string;
  type?: 'timeseries' | 'stat';
  unit?: string;
  description: string;
  targets: Array<[expr: string, legend: string]>;
}

const q = (quantile: number, metric: string, by = '') =>
  `histogram_quantile(${quantile}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket{${SEL}}[${RATE}])))`;

export const ROWS: Array<{ title: string; panels: Panel[] }> = [
  {
    title: 'Overview',
    panels: [
      { title: 'Runtimes up', type: 'stat', description: 'Scrape targets answering /metrics', targets: [[`sum(up{${SEL}})`, 'up']] },
      { title: 'Ready', type: 'stat', description: 'runtime_ready at the last status report (1 ready, 0 not)', targets: [[`min(runtime_ready{${SEL}})`, 'ready']] },
      { title: 'Gateway up', type: 'stat', description: 'Last gateway probe or request succeeded', targets: [[`min(runtime_gateway_up{${SEL}})`, 'gateway']] },
      { title: 'Plugins down', type: 'stat', description: 'Configured plugins not running', targets: [[`count(runtime_plugin_up{${SEL}} == 0) or vector(0)`, 'down']] },
      { title: 'Versions', type: 'stat', description: 'runtime_build_info labels', targets: [[`count by (version, openclaw_version) (runtime_build_info{${SEL}})`, '{{version}} / openclaw {{openclaw_version}}']] },
    ],
  },
  {
    title: 'Deliveries',
    panels: [
      { title: 'Deliveries by outcome', unit: 'ops', description: 'delivered, skipped, retry, dead_lettered per second', targets: [[`sum by (outcome) (rate(runtime_deliveries_total{${SEL}}[${RATE}]))`, '{{outcome}}']] },
      {
        title: 'Delivery latency',
        unit: 's',
        description: 'Run, tools and write-back of one notification',
        targets: [
          [q(0.5, 'runtime_delivery_duration_seconds'), 'p50'],
          [q(0.95, 'runtime_delivery_duration_seconds'), 'p95'],
          [q(0.99, 'runtime_delivery_duration_seconds'), 'p99'],
        ],
      },
      { title: 'Retries', unit: 'short', description: 'Attempts that will be retried, per hour', targets: [[`sum by (instance) (increase(runtime_deliveries_total{${SEL}, outcome="retry"}[1h]))`, '{{instance}}']] },
      { title: 'Dead letters', unit: 'short', description: 'Notifications dead-lettered per hour (mc-runtime deliveries dead)', targets: [[`sum by (instance) (increase(runtime_deliveries_total{${SEL}, outcome="dead_lettered"}[1h]))`, '{{instance}}']] },
    ],
  },
  {
    title: 'Gateway',
    panels: [
      { title: 'Gateway requests by outcome', unit: 'ops', description: '/v1/responses exchanges: ok or the error kind', targets: [[`sum by (outcome) (rate(runtime_gateway_requests_total{${SEL}}[${RATE}]))`, '{{outcome}}']] },
      {
        title: 'Turn latency',
        unit: 's',
        description: 'One /v1/responses exchange, body included',
        targets: [
          [q(0.5, 'runtime_gateway_request_duration_seconds'), 'p50'],
          [q(0.95, 'runtime_gateway_request_duration_seconds'), 'p95'],
        ],
      },
      { title: 'Gateway up', unit: 'short', description: 'Per runtime', targets: [[`runtime_gateway_up{${SEL}}`, '{{instance}}']] },
      { title: 'Tool rounds per turn', unit: 'short', description: 'Client-tool rounds of completed turns', targets: [[q(0.95, 'runtime_gateway_turn_tool_rounds'), 'p95']] },
    ],
  },
  {
    title: 'Tools',
    panels: [
      { title: 'Tool calls by tool and outcome', unit: 'ops', description: 'Function-tool and HTTP-fallback calls', targets: [[`sum by (tool, outcome) (rate(runtime_tool_calls_total{${SEL}}[${RATE}]))`, '{{tool}} {{outcome}}']] },
      { title: 'Tool latency p95', unit: 's', description: 'By tool', targets: [[q(0.95, 'runtime_tool_call_duration_seconds', 'tool'), '{{tool}}']] },
    ],
  },
  {
    title: 'Heartbeats',
    panels: [
      { title: 'Heartbeats by outcome', unit: 'short', description: 'Per hour', targets: [[`sum by (outcome) (increase(runtime_heartbeats_total{${SEL}}[1h]))`, '{{outcome}}']] },
      { title: 'Heartbeat duration p95', unit: 's', description: 'One heartbeat turn', targets: [[q(0.95, 'runtime_heartbeat_duration_seconds'), 'p95']] },
    ],
  },
  {
    title: 'Plugins',
    panels: [
      { title: 'Plugin up', unit: 'short', description: '1 running, 0 failed or skipped', targets: [[`min by (plugin) (runtime_plugin_up{${SEL}})`, '{{plugin}}']] },
      { title: 'Hook errors', unit: 'short', description: 'Failed or timed-out hook taps', targets: [[`sum by (plugin, hook) (increase(runtime_plugin_hook_errors_total{${SEL}}[${RATE}]))`, '{{plugin}} {{hook}}']] },
      { title: 'Hook duration p95', unit: 's', description: 'By plugin', targets: [[q(0.95, 'runtime_plugin_hook_duration_seconds', 'plugin'), '{{plugin}}']] },
    ],
  },
  {
    title: 'Backend',
    panels: [
      { title: 'Backend calls by outcome', unit: 'ops', description: 'ok, unavailable, timeout, rejected', targets: [[`sum by (outcome) (rate(runtime_backend_calls_total{${SEL}}[${RATE}]))`, '{{outcome}}']] },
      { title: 'Backend failures by function', unit: 'ops', description: 'Calls that did not succeed', targets: [[`sum by (function, outcome) (rate(runtime_backend_calls_total{${SEL}, outcome!="ok"}[${RATE}]))`, '{{function}} {{outcome}}']] },
      { title: 'Backend latency p95', unit: 's', description: 'By function, retries included', targets: [[q(0.95, 'runtime_backend_call_duration_seconds', 'function'), '{{function}}']] },
      {
        title: 'Status reports',
        unit: 'short',
        description: 'updateRuntimeStatus by result, and seconds since the last success (the backend marks a runtime offline after 90 s)',
        targets: [
          [`sum by (result) (increase(runtime_status_reports_total{${SEL}}[${RATE}]))`, '{{result}}'],
          [`time() - max by (instance) (runtime_status_last_success_timestamp_seconds{${SEL}})`, 'since success {{instance}}'],
        ],
      },
    ],
  },
  {
    title: 'Process',
    panels: [
      { title: 'Resident memory', unit: 'bytes', description: 'RSS', targets: [[`process_resident_memory_bytes{${SEL}}`, '{{instance}}']] },
      { title: 'CPU', unit: 'percentunit', description: 'CPU seconds per second', targets: [[`rate(process_cpu_seconds_total{${SEL}}[${RATE}])`, '{{instance}}']] },
      { title: 'Event loop lag', unit: 's', description: 'nodejs_eventloop_lag_seconds', targets: [[`nodejs_eventloop_lag_seconds{${SEL}}`, '{{instance}}']] },
      { title: 'Heap used', unit: 'bytes', description: 'V8 heap', targets: [[`nodejs_heap_size_used_bytes{${SEL}}`, '{{instance}}']] },
    ],
  },
];

const DS = { type: 'prometheus', uid: '${datasource}' };

export function buildDashboard(): Record<string, unknown> {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    const width = row.panels.every((p) => p.type === 'stat') ? Math.floor(24 / row.panels.length) : 12;
    const height = width < 12 ? 4 : 8;
    row.panels.forEach((p, i) => {
      const x = (i * width) % 24;
      if (i > 0 && x === 0) y += height;
      panels.push({
        id: id++,
        type: p.type ?? 'timeseries',
        title: p.title,
        description: p.description,
        datasource: DS,
        gridPos: { h: height, w: width, x, y },
        fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
        options: p.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' } : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
        targets: p.targets.map(([expr, legendFormat], n) => ({ refId: String.fromCharCode(65 + n), datasource: DS, expr, legendFormat })),
      });
    });
    y += height;
  }
  const variable = (name: string, label: string, query: string) => ({
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query, refId: name },
    definition: query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  });
  return {
    __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      { type: 'panel', id: 'timeseries', name: 'Time series', version: '' },
      { type: 'panel', id: 'stat', name: 'Stat', version: '' },
    ],
    uid: 'mc-runtime',
    title: 'Mission Control runtime',
    description: 'Deliveries, gateway, tools, heartbeats, plugins, backend calls and process of Mission Control runtimes (docs/operations.md)',
    tags: ['mission-control', 'mc-runtime'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 38,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: { text: 'default', value: '${DS_PROMETHEUS}' }, hide: 0 },
        variable('job', 'Job', 'label_values(runtime_build_info, job)'),
        variable('instance', 'Runtime', 'label_values(runtime_build_info{job=~"$job"}, instance)'),
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

export const DASHBOARD_FILE = path.join(import.meta.dirname, 'mc-runtime.json');

if (import.meta.main) {
  writeFileSync(DASHBOARD_FILE, JSON.stringify(buildDashboard(), null, 2) + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), DASHBOARD_FILE)}\n`);
}
