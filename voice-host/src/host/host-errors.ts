/** Errors the host raises for requests it cannot carry out; the control API maps `status` to HTTP. */

export class HostRequestError extends Error {
  override readonly name = 'HostRequestError';
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 413 | 502 | 503,
    readonly sessionId?: string,
    options?: { cause?: unknown },
  ) {
    super(sessionId === undefined ? message : `${message} [session=${sessionId}]`, options);
  }
}
