/** The voice host's exit codes (documented in voice-host/README.md) and the one way it exits on purpose. */

export const ExitCode = {
  /** Clean shutdown (SIGTERM/SIGINT). */
  ok: 0,
  /** The watchdog saw no progress from the receive/playback loop while a session was active. */
  stalled: 70,
  /** The control connection to the access layer stayed down longer than its grace period. */
  controlLost: 71,
  /** The configuration is invalid or incomplete (e.g. VOICE_HOST_SECRET missing). */
  fatalConfig: 72,
  /** The control API could not listen (port taken, address not available). */
  listenFailed: 73,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The reason names logged with each code. */
export const EXIT_REASONS: Record<ExitCode, string> = {
  0: 'shutdown',
  70: 'stalled',
  71: 'control_connection_lost',
  72: 'fatal_config',
  73: 'listen_failed',
};

/** Ends the process; injected so tests can observe exits without dying. */
export type ExitFn = (code: ExitCode, detail: Record<string, unknown>) => void;

/** Logs one JSON reason line to stderr, then exits with the code. */
export const processExit: ExitFn = (code, detail) => {
  const line = {
    level: code === 0 ? 'info' : 'fatal',
    event: 'voice-host.exit',
    code,
    reason: EXIT_REASONS[code],
    ...detail,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`, () => process.exit(code));
};
