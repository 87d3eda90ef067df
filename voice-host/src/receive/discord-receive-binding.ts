/**
 * Connects a @discordjs/voice connection's receiver to a session's speech pipeline: one manual-end
 * subscription per speaker (opened when Discord says they speak, reopened after a decrypt failure ends
 * it), the RTP header tap on the current UDP socket, and speaker removal when they leave.
 */
import { EndBehaviorType, type VoiceConnection, type VoiceConnectionState } from '@discordjs/voice';
import type { RtpHeader } from './rtp-header.ts';
import { RtpHeaderTap } from './rtp-header-tap.ts';

/** What the binding feeds. */
export interface ReceiveTarget {
  onPacket(userId: string, opus: Uint8Array, header: RtpHeader | undefined, arrivalMs: number): void;
  countDecryptFailure(): void;
  removeSpeaker(userId: string): void;
}

interface UdpLike {
  prependListener(event: 'message', listener: (msg: Buffer) => void): unknown;
  off(event: 'message', listener: (msg: Buffer) => void): unknown;
}

type NetworkingLike = {
  state: { udp?: UdpLike };
  on(event: 'stateChange', listener: (o: { udp?: UdpLike }, n: { udp?: UdpLike }) => void): unknown;
};

function networkingOf(state: VoiceConnectionState): NetworkingLike | undefined {
  return 'networking' in state ? (state.networking as unknown as NetworkingLike) : undefined;
}

export class DiscordReceiveBinding {
  readonly #connection: VoiceConnection;
  readonly #target: ReceiveTarget;
  readonly #now: () => number;
  readonly #tap = new RtpHeaderTap();
  readonly #subscribed = new Set<string>();
  readonly #watched = new WeakSet<object>();
  #udp: UdpLike | undefined;
  #closed = false;

  constructor(connection: VoiceConnection, target: ReceiveTarget, now: () => number) {
    this.#connection = connection;
    this.#target = target;
    this.#now = now;
    const receiver = connection.receiver;
    receiver.speaking.on('start', (userId) => this.#subscribe(userId));
    receiver.ssrcMap.on('delete', (data) => {
      this.#tap.forget(data.audioSSRC);
      target.removeSpeaker(data.userId);
    });
    connection.on('stateChange', (_old, state) => this.#watchNetworking(state));
    this.#watchNetworking(connection.state);
  }

  /** Stops subscribing and detaches the tap. */
  close(): void {
    this.#closed = true;
    this.#udp?.off('message', this.#tap.onUdpMessage);
    this.#udp = undefined;
    for (const s of this.#connection.receiver.subscriptions.values()) s.destroy();
  }

  #watchNetworking(state: VoiceConnectionState): void {
    const networking = networkingOf(state);
    if (!networking) return;
    this.#attachUdp(networking.state.udp);
    if (this.#watched.has(networking)) return;
    this.#watched.add(networking);
    networking.on('stateChange', (_o, n) => this.#attachUdp(n.udp));
  }

  #attachUdp(udp: UdpLike | undefined): void {
    if (udp === this.#udp || this.#closed) return;
    this.#udp?.off('message', this.#tap.onUdpMessage);
    this.#udp = udp;
    // Before the receiver's own listener, so the header is known when the payload is pushed.
    udp?.prependListener('message', this.#tap.onUdpMessage);
  }

  #subscribe(userId: string): void {
    if (this.#closed || this.#subscribed.has(userId)) return;
    this.#subscribed.add(userId);
    const receiver = this.#connection.receiver;
    const stream = receiver.subscribe(userId, { end: { behavior: EndBehaviorType.Manual } });
    stream.on('data', (opus: Buffer) => {
      const ssrc = receiver.ssrcMap.get(userId)?.audioSSRC;
      const header = ssrc === undefined ? undefined : this.#tap.take(ssrc);
      this.#target.onPacket(userId, opus, header, this.#now());
    });
    // The receiver ends the stream with an error when a packet fails to decrypt: count it, resubscribe.
    stream.on('error', () => this.#target.countDecryptFailure());
    stream.on('close', () => {
      this.#subscribed.delete(userId);
      if (!this.#closed) setImmediate(() => this.#subscribe(userId));
    });
  }
}
