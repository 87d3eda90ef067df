/**
 * Numeric Worker variables (`wrangler.toml` [vars], `--var`): one reader for all of them, so every numeric
 * setting accepts the same spellings and an invalid value is never ignored in silence.
 */
import { ConfigurationError, type ErrorContext } from '../agent/agent-errors.ts';
import { componentTelemetry, consoleSink, type Telemetry } from '../agent/telemetry.ts';

export interface NumberVarSpec {
  /** The variable's name, as an operator sets it. */
  name: string;
  /** Used when the variable is unset or empty. */
  fallback: number;
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
}

/** A numeric variable set to something outside its spec: names the variable, the value and what it accepts. */
export class InvalidNumberVarError extends ConfigurationError {
  override readonly name = 'InvalidNumberVarError';
  constructor(
    spec: NumberVarSpec,
    readonly value: unknown,
    context: ErrorContext = {},
  ) {
    super(
      `${spec.name} ${JSON.stringify(value)} must be ${spec.integer ? 'a whole number' : 'a number'} from ${spec.min} to ${spec.max}, or empty (${spec.fallback})`,
      spec.name,
      context,
    );
  }
}

/** The variable's value: the fallback when unset or empty, the number when valid; throws InvalidNumberVarError otherwise. */
export function parseNumberVar(spec: NumberVarSpec, raw: unknown, context: ErrorContext = {}): number {
  if (raw === undefined || raw === null) return spec.fallback;
  const text = typeof raw === 'string' ? raw.trim() : raw;
  if (text === '') return spec.fallback;
  const n = typeof text === 'number' ? text : typeof text === 'string' ? Number(text) : Number.NaN;
  const valid =
    Number.isFinite(n) && n >= spec.min && n <= spec.max && (!spec.integer || Number.isInteger(n));
  if (!valid) throw new InvalidNumberVarError(spec, raw, context);
  return n;
}

// Settings are read per batch or per request: one warning per isolate and value is enough to be seen.
const reported = new Set<string>();
let varsTelemetry: Telemetry | undefined;

function reportOnce(error: InvalidNumberVarError): void {
  const key = `${error.variable}\u0000${String(error.value)}`;
  if (reported.has(key)) return;
  reported.add(key);
  varsTelemetry ??= componentTelemetry('worker-vars', {}, consoleSink('warn'));
  varsTelemetry.log('warn', 'invalid Worker variable, using its default', {
    variable: error.variable,
    error: error.message,
  });
}

/**
 * For settings that tune rather than decide (batch sizes, windows, deadlines): an invalid value is logged
 * (once per isolate) and the fallback used, so a typo slows a deployment down instead of stopping it.
 */
export function numberVarOrFallback(
  spec: NumberVarSpec,
  raw: unknown,
  report: (error: InvalidNumberVarError) => void = reportOnce,
): number {
  try {
    return parseNumberVar(spec, raw);
  } catch (error) {
    if (!(error instanceof InvalidNumberVarError)) throw error;
    report(error);
    return spec.fallback;
  }
}
