import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry, Summary, Gauge } from 'prom-client';
import { assertValidExposition, parseExposition, sampleValue } from './prom-format.ts';

const errorsOf = (text: string) => parseExposition(text).errors;

const GOOD = `# HELP runtime_x_total Things.
# TYPE runtime_x_total counter
runtime_x_total{kind="a"} 3
runtime_x_total{kind="b\\"q\\\\z\\n"} 0
# TYPE runtime_lat_seconds histogram
runtime_lat_seconds_bucket{le="0.1"} 1
runtime_lat_seconds_bucket{le="1"} 2
runtime_lat_seconds_bucket{le="+Inf"} 3
runtime_lat_seconds_sum 4.5
runtime_lat_seconds_count 3
# TYPE runtime_up gauge
runtime_up NaN
`;

describe('prom-format checker', () => {
  it('accepts valid exposition and reads values back', () => {
    const families = assertValidExposition(GOOD);
    expect(sampleValue(families, 'runtime_x_total', { kind: 'a' })).toBe(3);
    expect(sampleValue(families, 'runtime_x_total', { kind: 'b"q\\z\n' })).toBe(0);
    expect(sampleValue(families, 'runtime_lat_seconds_count')).toBe(3);
    expect(families.get('runtime_x_total')?.help).toBe('Things.');
  });

  it("rejects the original runtime's output: HELP/TYPE repeated per operation, timestamps, counters without _total", () => {
    const original = [
      '# HELP runtime_operation_total Total operations',
      '# TYPE runtime_operation_total counter',
      'runtime_operation_total{operation="delivery.poll"} 5 1700000000000',
      '# HELP runtime_operation_total Total operations',
      '# TYPE runtime_operation_total counter',
      'runtime_operation_total{operation="heartbeat.execute"} 2 1700000000000',
      '# TYPE runtime_operation_success counter',
      'runtime_operation_success{operation="delivery.poll"} 5',
      '',
    ].join('\n');
    const errors = errorsOf(original);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/line 3: .*timestamp/),
        expect.stringMatching(/line 4: # HELP for runtime_operation_total after its samples/),
        expect.stringMatching(/line 4: second # HELP/),
        expect.stringMatching(/line 5: second # TYPE/),
        expect.stringMatching(/counter runtime_operation_success must end in _total/),
      ]),
    );
  });

  it.each([
    ['a sample before TYPE', 'runtime_a 1\n# TYPE runtime_a gauge\n', /sample before its # TYPE|after its samples/],
    ['no TYPE at all', 'runtime_a 1\n', /sample before its # TYPE/],
    ['an invalid metric name', '# TYPE 9bad gauge\n', /invalid metric name "9bad"/],
    ['an invalid label name', '# TYPE runtime_a gauge\nruntime_a{0x="1"} 1\n', /invalid label name "0x"/],
    ['a reserved label name', '# TYPE runtime_a gauge\nruntime_a{__x="1"} 1\n', /reserved/],
    ['an unquoted label value', '# TYPE runtime_a gauge\nruntime_a{x=1} 1\n', /double-quoted/],
    ['a bad escape in a label value', '# TYPE runtime_a gauge\nruntime_a{x="a\\tb"} 1\n', /invalid escape \\t/],
    ['an unterminated label value', '# TYPE runtime_a gauge\nruntime_a{x="ab} 1\n', /unterminated|expected , or \}/],
    ['a bad escape in HELP', '# HELP runtime_a a \\q b\n# TYPE runtime_a gauge\nruntime_a 1\n', /invalid escape in # HELP/],
    ['an invalid value', '# TYPE runtime_a gauge\nruntime_a one\n', /invalid value "one"/],
    ['a duplicate series', '# TYPE runtime_a gauge\nruntime_a{x="1"} 1\nruntime_a{x="1"} 2\n', /duplicate series/],
    ['a duplicate label', '# TYPE runtime_a gauge\nruntime_a{x="1",x="2"} 1\n', /label x given twice/],
    ['a negative counter', '# TYPE runtime_a_total counter\nruntime_a_total -1\n', /negative/],
    ['an unknown type', '# TYPE runtime_a meter\nruntime_a 1\n', /unknown type "meter"/],
    ['a missing final line feed', '# TYPE runtime_a gauge\nruntime_a 1', /line feed/],
    ['a reopened family', '# TYPE runtime_a gauge\nruntime_a{x="1"} 1\n# TYPE runtime_b gauge\nruntime_b 1\nruntime_a{x="2"} 1\n', /runtime_a appears again/],
    ['a histogram without +Inf', '# TYPE runtime_h_seconds histogram\nruntime_h_seconds_bucket{le="1"} 1\nruntime_h_seconds_sum 1\nruntime_h_seconds_count 1\n', /last bucket must be le="\+Inf"/],
    [
      'non-cumulative buckets',
      '# TYPE runtime_h_seconds histogram\nruntime_h_seconds_bucket{le="1"} 2\nruntime_h_seconds_bucket{le="+Inf"} 1\nruntime_h_seconds_sum 1\nruntime_h_seconds_count 1\n',
      /cumulative/,
    ],
    [
      'unordered buckets',
      '# TYPE runtime_h_seconds histogram\nruntime_h_seconds_bucket{le="2"} 1\nruntime_h_seconds_bucket{le="1"} 1\nruntime_h_seconds_bucket{le="+Inf"} 1\nruntime_h_seconds_sum 1\nruntime_h_seconds_count 1\n',
      /not greater than the previous/,
    ],
    ['a histogram without _sum', '# TYPE runtime_h_seconds histogram\nruntime_h_seconds_bucket{le="+Inf"} 1\nruntime_h_seconds_count 1\n', /missing runtime_h_seconds_sum/],
    [
      '_count not equal to the +Inf bucket',
      '# TYPE runtime_h_seconds histogram\nruntime_h_seconds_bucket{le="+Inf"} 2\nruntime_h_seconds_sum 1\nruntime_h_seconds_count 3\n',
      /_count 3 differs/,
    ],
    ['a summary quantile out of range', '# TYPE runtime_s summary\nruntime_s{quantile="2"} 1\nruntime_s_sum 1\nruntime_s_count 1\n', /quantile must be in/],
  ])('rejects %s', (_what, text, pattern) => {
    expect(errorsOf(text)).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
    expect(() => assertValidExposition(text)).toThrow(/invalid Prometheus exposition/);
  });

  it('accepts what prom-client writes for every metric type, including awkward label values', async () => {
    const registry = new Registry();
    new Counter({ name: 'runtime_c_total', help: 'a "quoted" \\ help\nwith a newline', labelNames: ['v'], registers: [registry] }).inc({ v: 'x"y\\z\nw' });
    new Gauge({ name: 'runtime_g', help: 'g', registers: [registry] }).set(-1.5e-7);
    new Histogram({ name: 'runtime_h_seconds', help: 'h', labelNames: ['o'], buckets: [0.1, 1], registers: [registry] }).observe({ o: 'a' }, 0.5);
    new Summary({ name: 'runtime_s_seconds', help: 's', percentiles: [0.5, 0.99], registers: [registry] }).observe(2);
    const families = assertValidExposition(await registry.metrics());
    expect(sampleValue(families, 'runtime_c_total', { v: 'x"y\\z\nw' })).toBe(1);
    expect(families.get('runtime_c_total')?.help).toBe('a "quoted" \\ help\nwith a newline');
    expect(sampleValue(families, 'runtime_h_seconds_bucket', { o: 'a', le: '1' })).toBe(1);
  });
});
