import { describe, expect, it } from 'vitest';
import { escapeLabelValue, MetricNameError, renderPrometheus } from './prometheus-text.ts';

describe('renderPrometheus', () => {
  it('writes HELP and TYPE once per family, then its samples', () => {
    const text = renderPrometheus([
      {
        name: 'promethean_agent_messages_total',
        help: 'Messages handled.',
        type: 'counter',
        samples: [
          { labels: { agent: 'message-indexer', outcome: 'ok' }, value: 3 },
          { labels: { agent: 'message-indexer', outcome: 'error' }, value: 1 },
        ],
      },
      {
        name: 'promethean_agent_latency_ms',
        help: 'Latency.',
        type: 'summary',
        samples: [
          { labels: { quantile: '0.5' }, value: 12.5 },
          { suffix: '_sum', value: 40 },
          { suffix: '_count', value: 4 },
        ],
      },
      { name: 'promethean_empty', help: 'Nothing yet.', type: 'gauge', samples: [] },
    ]);
    expect(text).toBe(
      [
        '# HELP promethean_agent_messages_total Messages handled.',
        '# TYPE promethean_agent_messages_total counter',
        'promethean_agent_messages_total{agent="message-indexer",outcome="ok"} 3',
        'promethean_agent_messages_total{agent="message-indexer",outcome="error"} 1',
        '# HELP promethean_agent_latency_ms Latency.',
        '# TYPE promethean_agent_latency_ms summary',
        'promethean_agent_latency_ms{quantile="0.5"} 12.5',
        'promethean_agent_latency_ms_sum 40',
        'promethean_agent_latency_ms_count 4',
        '# HELP promethean_empty Nothing yet.',
        '# TYPE promethean_empty gauge',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslashes, quotes and newlines in label values and help text', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const text = renderPrometheus([
      {
        name: 'x',
        help: 'line one\nline "two" \\ end',
        type: 'gauge',
        samples: [{ labels: { reason: 'say "hi"\nnow' }, value: Number.POSITIVE_INFINITY }],
      },
    ]);
    expect(text).toContain('# HELP x line one\\nline "two" \\\\ end\n');
    expect(text).toContain('x{reason="say \\"hi\\"\\nnow"} +Inf\n');
  });

  it('refuses invalid metric and label names and duplicate families', () => {
    expect(() => renderPrometheus([{ name: '9bad', help: '', type: 'gauge', samples: [] }])).toThrow(
      MetricNameError,
    );
    expect(() =>
      renderPrometheus([
        { name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'a-b': 1 }, value: 1 }] },
      ]),
    ).toThrow(/invalid label name/);
    expect(() =>
      renderPrometheus([
        { name: 'ok', help: '', type: 'gauge', samples: [] },
        { name: 'ok', help: '', type: 'gauge', samples: [] },
      ]),
    ).toThrow(/twice/);
  });
});
