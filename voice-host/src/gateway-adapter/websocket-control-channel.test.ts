import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { ControlToHost } from '@promethean/schemas/voice/voice-relay';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { WebSocketControlChannel } from './websocket-control-channel.ts';

const SECRET = 'control-secret-0123456789';
let server: WebSocketServer | undefined;
let channel: WebSocketControlChannel | undefined;

afterEach(async () => {
  channel?.close();
  if (server) {
    for (const c of server.clients) c.terminate();
    await new Promise((r) => server!.close(r));
  }
});

async function start(autoPong = true) {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const auths: string[] = [];
  const sockets: WebSocket[] = [];
  server.on('connection', (socket, req) => {
    auths.push(req.headers.authorization ?? '');
    sockets.push(socket);
  });
  const received: ControlToHost[] = [];
  const logs: Array<Record<string, unknown>> = [];
  channel = new WebSocketControlChannel({
    url: `ws://127.0.0.1:${port}/voice/control`,
    secret: SECRET,
    hostId: 'h1',
    reconnectMaxMs: 50,
    pingIntervalMs: 40,
    log: (l) => logs.push(l),
  });
  channel.onMessage((m) => received.push(m));
  return { channel, auths, sockets, received, logs };
}

function until(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (check() ? resolve() : setImmediate(poll));
    poll();
  });
}

describe('WebSocketControlChannel', () => {
  it('connects with the bearer secret, delivers valid messages and ignores invalid ones', async () => {
    const { channel, auths, sockets, received, logs } = await start();
    const connected = new Promise<void>((r) => channel.onConnected(r));
    channel.connect();
    await connected;
    expect(channel.status).toBe('connected');
    expect(auths).toEqual([`Bearer ${SECRET}`]);
    const socket = sockets[0]!;
    socket.send('not json');
    socket.send(JSON.stringify({ type: 'session.leave', tenant: 'duck', payload: {} }));
    socket.send(JSON.stringify({ type: 'ping', ts: 5 }));
    await until(() => received.length === 1);
    expect(received).toEqual([{ type: 'ping', ts: 5 }]);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      'control message is not JSON',
      'invalid control message ignored',
    ]);
    const got = once(socket, 'message');
    expect(channel.send({ type: 'pong', ts: 5 })).toBe(true);
    expect(JSON.parse(String((await got)[0]))).toEqual({ type: 'pong', ts: 5 });
  });

  it('reconnects after the access layer drops the connection', async () => {
    const { channel, sockets } = await start();
    let connects = 0;
    channel.onConnected(() => connects++);
    channel.connect();
    await until(() => connects === 1);
    sockets[0]!.terminate();
    await until(() => channel.status === 'disconnected');
    expect(channel.send({ type: 'pong', ts: 1 })).toBe(false);
    await until(() => connects === 2);
    expect(channel.status).toBe('connected');
  });
});

describe('WebSocketControlChannel liveness', () => {
  it('drops and reopens a connection whose peer stopped answering pings', async () => {
    const { channel, logs } = await start(false);
    let connects = 0;
    channel.onConnected(() => connects++);
    channel.connect();
    await until(() => connects === 2);
    expect(logs.some((l) => l.msg === 'control connection lost' && l.reason === 'no answer to ping')).toBe(
      true,
    );
  });
});
