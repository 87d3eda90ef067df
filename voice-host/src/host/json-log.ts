/** One JSON object per log line on stderr, tagged with the host id; never carries secrets or audio. */

export type LogFn = (line: Record<string, unknown>) => void;

/** A logger writing `{ts, host, ...line}`; `debug` lines only when VOICE_HOST_DEBUG is set. */
export function jsonLog(hostId: string, debug: boolean): LogFn {
  return (line) => {
    if (line.level === 'debug' && !debug) return;
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), host: hostId, ...line })}\n`);
  };
}
