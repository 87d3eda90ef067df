/**
 * Counts the Cloudflare operations a Worker causes, by wrapping what it calls: queue producers (writes,
 * and the platform's backlog figure from each send's metadata), Durable Object stubs (one request per
 * RPC call) and store ports (records written). The wrappers only count; they never change a call.
 */
import type { EffectPorts } from '../effects/effect-ports.ts';
import type { OpsRecorder } from './ops-recorder.ts';

/** The backlog a queue reported in a send's response metadata, if it did. */
function backlogOf(response: unknown, now: number): { messages: number; at: number } | undefined {
  const count = (response as { metadata?: { metrics?: { backlogCount?: unknown } } } | undefined)?.metadata
    ?.metrics?.backlogCount;
  return typeof count === 'number' && Number.isInteger(count) && count >= 0
    ? { messages: count, at: now }
    : undefined;
}

/** A queue producer that counts the messages it writes to `queueName`. */
export function countedQueue<Body>(
  queue: Queue<Body>,
  queueName: string,
  recorder: OpsRecorder,
  now: () => number = Date.now,
): Queue<Body> {
  return new Proxy(queue, {
    get(target, prop, receiver) {
      if (prop === 'send') {
        return async (body: Body, options?: QueueSendOptions) => {
          const response = await target.send(body, options);
          recorder.queueWrite(queueName, 1, backlogOf(response, now()));
          return response;
        };
      }
      if (prop === 'sendBatch') {
        return async (messages: Iterable<MessageSendRequest<Body>>, options?: QueueSendBatchOptions) => {
          const list = [...messages];
          const response = await target.sendBatch(list, options);
          recorder.queueWrite(queueName, list.length, backlogOf(response, now()));
          return response;
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const NOT_RPC = new Set<PropertyKey>(['then', 'id', 'name', 'constructor', 'toJSON']);

/** A stub whose every method call counts as one Durable Object request. */
function countedStub<T extends object>(stub: T, recorder: OpsRecorder): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof prop === 'symbol' || NOT_RPC.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        recorder.durableObjectRequest();
        // Reflect.apply, not value.apply: on an RPC stub every property, `apply` included, is remote.
        return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
      };
    },
  });
}

/** A Durable Object namespace whose stubs count their calls. */
export function countedNamespace<T extends DurableObjectNamespace>(namespace: T, recorder: OpsRecorder): T {
  return new Proxy(namespace, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === 'get' || prop === 'getByName') {
        return (...args: unknown[]) =>
          countedStub(Reflect.apply(value as (...a: unknown[]) => object, target, args), recorder);
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A service binding or other RPC stub answers every property name with a callable, so it would pass for
 * a queue or a namespace by shape; a name no binding has tells them apart.
 */
function isRpcStub(value: unknown): boolean {
  return typeof (value as Record<string, unknown>).__promethean_no_such_method__ === 'function';
}

function isQueue(value: unknown): value is Queue {
  const v = value as { send?: unknown; sendBatch?: unknown } | null;
  return typeof v?.send === 'function' && typeof v.sendBatch === 'function' && !isRpcStub(v);
}

function isNamespace(value: unknown): value is DurableObjectNamespace {
  const v = value as { idFromName?: unknown; get?: unknown } | null;
  return typeof v?.idFromName === 'function' && typeof v.get === 'function' && !isRpcStub(v);
}

/**
 * A shallow copy of a Worker's env whose queue producers (named in `queueNames`, binding → queue) and
 * Durable Object namespaces count what they do. Everything else is passed through untouched.
 */
export function countedEnv<E extends object>(
  env: E,
  recorder: OpsRecorder,
  queueNames: Readonly<Record<string, string>>,
): E {
  const copy: Record<string, unknown> = { ...(env as Record<string, unknown>) };
  for (const [name, value] of Object.entries(copy)) {
    if (isQueue(value) && queueNames[name] !== undefined) {
      copy[name] = countedQueue(value, queueNames[name], recorder);
    } else if (isNamespace(value)) {
      copy[name] = countedNamespace(value, recorder);
    }
  }
  return copy as E;
}

/** `target` with some methods replaced; the others stay bound to `target` (private fields keep working). */
function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof T];
      const value = Reflect.get(t, prop);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

/** Ports that count the records they write (documents, vectors, blobs); reads are not store writes. */
export function countedPorts(ports: EffectPorts, recorder: OpsRecorder): EffectPorts {
  const { documents, vectors, blobs } = ports;
  return {
    ...ports,
    ...(documents && {
      documents: overriding(documents, {
        upsertMany: async (...args: Parameters<typeof documents.upsertMany>) => {
          const result = await documents.upsertMany(...args);
          recorder.storeWrite(result.written);
          return result;
        },
      }),
    }),
    ...(vectors && {
      vectors: overriding(vectors, {
        upsert: async (...args: Parameters<typeof vectors.upsert>) => {
          await vectors.upsert(...args);
          recorder.storeWrite(args[1].length);
        },
      }),
    }),
    ...(blobs && {
      blobs: overriding(blobs, {
        put: async (...args: Parameters<typeof blobs.put>) => {
          await blobs.put(...args);
          recorder.storeWrite(1);
        },
      }),
    }),
  };
}
