/** The host's view of its control connection to the access layer (a WebSocket in production, a fake in tests). */
import type { ControlToHost, HostToControl } from '@promethean/schemas/voice/voice-relay';

export type ControlStatus = 'connected' | 'disconnected' | 'disabled';

export interface ControlChannel {
  readonly status: ControlStatus;
  /** Sends a message; false when the connection is down (the message is not queued). */
  send(message: HostToControl): boolean;
  /** Every valid message from the access layer. */
  onMessage(listener: (message: ControlToHost) => void): void;
  /** Called after each (re)connect, e.g. to say hello. */
  onConnected(listener: () => void): void;
  close(): void;
}

/** The channel used when no ACCESS_CONTROL_URL is configured (plain local runs): never connected. */
export class DisabledControlChannel implements ControlChannel {
  readonly status = 'disabled' as const;
  send(): boolean {
    return false;
  }
  onMessage(): void {}
  onConnected(): void {}
  close(): void {}
}
