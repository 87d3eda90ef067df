/**
 * Prometheus text exposition (format 0.0.4): one `# HELP` and one `# TYPE` line per family, samples
 * grouped under their family, label values and help text escaped as the format requires.
 */

export type MetricType = 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';

/** One sample: `suffix` is appended to the family name (`_sum`, `_count`, `_bucket`). */
export interface Sample {
  labels?: Readonly<Record<string, string | number>>;
  value: number;
  suffix?: '' | '_sum' | '_count' | '_bucket' | '_total';
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: readonly Sample[];
}

/** The content type Prometheus scrapers expect for this format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A family or label name the format does not allow. */
export class MetricNameError extends Error {
  override readonly name = 'MetricNameError';
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed (quotes stay as they are). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Numbers as Prometheus writes them: NaN, +Inf and -Inf by name. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelText(family: string, labels: Sample['labels']): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  const parts = entries.map(([k, v]) => {
    if (!LABEL_NAME.test(k) || k.startsWith('__'))
      throw new MetricNameError(`metric ${family}: invalid label name "${k}"`);
    return `${k}="${escapeLabelValue(String(v))}"`;
  });
  return `{${parts.join(',')}}`;
}

/** Renders families in the order given; families without samples still declare HELP and TYPE. */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new MetricNameError(`invalid metric name "${f.name}"`);
    if (seen.has(f.name)) throw new MetricNameError(`metric ${f.name} is declared twice`);
    seen.add(f.name);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      lines.push(`${f.name}${s.suffix ?? ''}${labelText(f.name, s.labels)} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
