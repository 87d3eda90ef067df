/**
 * The voice host process: reads the configuration, serves the control API, keeps the control connection
 * to the access layer, runs the sessions and the watchdog. Exit codes: see config/exit-codes.ts.
 */
import { SystemScheduler } from '@promethean/shared/broker/scheduler';
import { egressEndpoint } from '@promethean/shared/net/egress-endpoint';
import { nodeDnsResolver } from '@promethean/shared/net/node-dns-resolver';
import { nodeGuardedFetch } from '@promethean/shared/net/node-guarded-fetch';
import { ExitCode, processExit } from './config/exit-codes.ts';
import { ConfigError, type HostConfig, loadHostConfig } from './config/host-config.ts';
import { controlApi } from './control/control-api.ts';
import { serveFetch } from './control/node-http-bridge.ts';
import { type ControlChannel, DisabledControlChannel } from './gateway-adapter/control-channel.ts';
import { RelayAdapterRegistry } from './gateway-adapter/relay-adapter-registry.ts';
import { VoiceRelayClient } from './gateway-adapter/voice-relay-client.ts';
import { WebSocketControlChannel } from './gateway-adapter/websocket-control-channel.ts';
import { jsonLog, type LogFn } from './host/json-log.ts';
import { VoiceHost } from './host/voice-host.ts';
import { PcmUrlFetcher } from './playback/pcm-url-fetcher.ts';
import { DiscardSegmentSink } from './segments/discard-segment-sink.ts';
import { HttpIngestSink } from './segments/http-ingest-sink.ts';

function readConfig(): HostConfig | undefined {
  try {
    return loadHostConfig(process.env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    processExit(ExitCode.fatalConfig, { detail: e.message, problems: e.problems });
    return undefined;
  }
}

function controlChannel(config: HostConfig, log: LogFn): ControlChannel & { connect?: () => void } {
  if (config.access.controlUrl === undefined) {
    log({ level: 'warn', msg: 'ACCESS_CONTROL_URL is not set: running without a control connection' });
    return new DisabledControlChannel();
  }
  return new WebSocketControlChannel({
    url: config.access.controlUrl,
    secret: config.secret,
    hostId: config.hostId,
    reconnectMaxMs: config.controlReconnectMaxMs,
    pingIntervalMs: config.controlPingMs,
    log,
  });
}

function adapterRegistry(config: HostConfig, log: LogFn): RelayAdapterRegistry {
  const url = config.access.relayUrl;
  if (url === undefined) {
    log({ level: 'warn', msg: 'ACCESS_RELAY_URL is not set: joining voice channels will fail' });
    return new RelayAdapterRegistry(undefined, log);
  }
  const relay = new VoiceRelayClient({ url, secret: config.secret });
  return new RelayAdapterRegistry(
    (provider, tenant, payload) => relay.send({ provider, tenant, payload }),
    log,
  );
}

async function main(): Promise<void> {
  const config = readConfig();
  if (config === undefined) return;
  const log = jsonLog(config.hostId, process.env.VOICE_HOST_DEBUG !== undefined);
  const control = controlChannel(config, log);
  const discard = new DiscardSegmentSink(log);
  const ingestUrl = config.ingest.url;
  const host = new VoiceHost({
    config,
    scheduler: new SystemScheduler(),
    control,
    adapters: adapterRegistry(config, log),
    sinkFor: () =>
      ingestUrl === undefined
        ? discard
        : new HttpIngestSink({ url: ingestUrl, secret: config.secret, timeoutMs: config.ingest.timeoutMs }),
    fetcher: new PcmUrlFetcher({
      origins: config.playback.fetchOrigins,
      maxBytes: config.playback.maxBytes,
      timeoutMs: 10_000,
    }),
    log,
    exit: processExit,
  });
  const app = controlApi({
    host,
    secret: config.secret,
    maxPcmBytes: config.playback.maxBytes,
    egress:
      config.egressSecret === undefined
        ? undefined
        : egressEndpoint({
            secret: config.egressSecret,
            // Sockets connect only through the guarded lookup: no DNS rebinding between check and connect.
            fetch: nodeGuardedFetch,
            resolve: nodeDnsResolver,
          }),
  });
  let server: Awaited<ReturnType<typeof serveFetch>>;
  try {
    server = await serveFetch((r) => app.fetch(r), config.control.host, config.control.port);
  } catch (e) {
    processExit(ExitCode.listenFailed, {
      detail: `cannot listen on ${config.control.host}:${config.control.port}: ${(e as Error).message}`,
    });
    return;
  }
  host.start();
  control.connect?.();
  log({ level: 'info', msg: 'voice host listening', url: `http://${config.control.host}:${server.port}` });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void host
      .stop()
      .then(() => server.close())
      .finally(() => processExit(ExitCode.ok, { detail: `received ${signal}` }));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await main();
