/** An in-process control connection for tests: deliver access-layer messages, read what the host sent. */
import { ControlToHost, type HostToControl } from '@promethean/schemas/voice/voice-relay';
import type { ControlChannel, ControlStatus } from '../src/gateway-adapter/control-channel.ts';

export class FakeControlChannel implements ControlChannel {
  status: ControlStatus = 'connected';
  readonly sent: HostToControl[] = [];
  readonly #messages: Array<(m: ControlToHost) => void> = [];
  readonly #connected: Array<() => void> = [];

  send(message: HostToControl): boolean {
    if (this.status !== 'connected') return false;
    this.sent.push(message);
    return true;
  }

  onMessage(listener: (message: ControlToHost) => void): void {
    this.#messages.push(listener);
  }

  onConnected(listener: () => void): void {
    this.#connected.push(listener);
  }

  close(): void {
    this.status = 'disconnected';
  }

  /** The access layer sends a message (validated as the real channel would). */
  deliver(message: unknown): void {
    const parsed = ControlToHost.parse(message);
    for (const l of this.#messages) l(parsed);
  }

  /** The connection (re)opens. */
  connect(): void {
    this.status = 'connected';
    for (const l of this.#connected) l();
  }
}
