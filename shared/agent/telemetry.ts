/** Structured log lines, each tagged with the invocation's runtime id, agent, tenant, intent and corr. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  level: LogLevel;
  msg: string;
  runtime_id: string;
  agent: string;
  provider: string;
  tenant: string;
  intent?: string;
  corr?: string;
  latency_ms?: number;
  outcome?: 'ok' | 'error' | 'retry' | 'denied' | 'dead_lettered';
  [field: string]: unknown;
}

export interface TelemetrySink {
  write(record: LogRecord): void;
  /** False for a level the sink drops: the record is then not even built. Absent: every level is written. */
  accepts?(level: LogLevel): boolean;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Writes one JSON object per line (what Workers Logs and `wrangler tail` index), from `minLevel` up. */
export function consoleSink(minLevel: LogLevel = 'info'): TelemetrySink {
  const floor = LEVELS.indexOf(minLevel);
  return {
    accepts: (level) => LEVELS.indexOf(level) >= floor,
    write(record) {
      if (LEVELS.indexOf(record.level) < floor) return;
      const line = JSON.stringify(record);
      if (record.level === 'error') console.error(line);
      else if (record.level === 'warn') console.warn(line);
      else console.log(line);
    },
  };
}

/**
 * The log floor for a Worker: its `LOG_LEVEL` var when set (debug, info, warn, error), otherwise info in
 * development and warn elsewhere. Invalid values fall back to the default rather than silencing errors.
 */
export function logLevelFor(env: { PROMETHEAN_ENV?: unknown; LOG_LEVEL?: unknown }): LogLevel {
  const wanted = typeof env.LOG_LEVEL === 'string' ? env.LOG_LEVEL.trim() : '';
  if ((LEVELS as readonly string[]).includes(wanted)) return wanted as LogLevel;
  return env.PROMETHEAN_ENV === 'development' ? 'info' : 'warn';
}

/** Keeps records in memory for tests. */
export class RecordingSink implements TelemetrySink {
  readonly records: LogRecord[] = [];
  write(record: LogRecord): void {
    this.records.push(record);
  }
}

export type TelemetryTags = Pick<
  LogRecord,
  'runtime_id' | 'agent' | 'provider' | 'tenant' | 'intent' | 'corr'
>;

/** The telemetry target a handler receives; its tags cannot be changed after construction. */
export class Telemetry {
  readonly #sink: TelemetrySink;
  readonly tags: Readonly<TelemetryTags>;

  constructor(sink: TelemetrySink, tags: TelemetryTags) {
    this.#sink = sink;
    this.tags = Object.freeze({ ...tags });
  }

  log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    // A record below the floor is dropped by the sink anyway; copying its fields cost ~1 % of the
    // functions Worker's CPU in a crawl's profile (the policy's per-effect decisions log at info).
    if (this.#sink.accepts?.(level) === false) return;
    this.#sink.write({ ...fields, ...this.tags, level, msg });
  }

  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }

  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }

  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }
}

/** Tags a component log carries where an agent invocation's would stand. */
export interface ComponentScope {
  provider?: string;
  tenant?: string;
  corr?: string;
}

/**
 * Telemetry for platform code that runs outside an agent invocation (routers, routes, crons, Durable
 * Objects), so its lines have the same shape as the agents' and are filtered by the same fields: the
 * component stands where the agent would, `-` where no provider or tenant applies.
 */
export function componentTelemetry(
  component: string,
  scope: ComponentScope = {},
  sink: TelemetrySink = consoleSink('debug'),
): Telemetry {
  return new Telemetry(sink, {
    runtime_id: component,
    agent: component,
    provider: scope.provider ?? '-',
    tenant: scope.tenant ?? '-',
    ...(scope.corr !== undefined && { corr: scope.corr }),
  });
}
