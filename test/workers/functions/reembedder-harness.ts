/**
 * What the reembedder agent runs with in the workerd tests and the embedded-store bench: the functions
 * runtime's dependencies with the given re-embed port, a recorder in place of the bus (the next step is read
 * from what the agent published) and a recording telemetry sink.
 */
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import type { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { PublishRecorder } from '@promethean/test/harness/recording-runtime';
import { createFunctionsRuntime } from '../../../functions/src/runtime-dependencies.ts';

type FunctionsDeps = ReturnType<typeof createFunctionsRuntime>['deps'];
type View = Parameters<Extract<FunctionsDeps['ports'], (...args: never[]) => unknown>>[0];

export function reembedderDeps<Port>(
  env: Parameters<typeof createFunctionsRuntime>[0],
  registry: ProviderRegistry,
  reembed: () => Port,
) {
  const base = createFunctionsRuntime(env).deps;
  const recorder = new PublishRecorder();
  const deps = {
    ...base,
    registry,
    broker: recorder,
    sink: new RecordingSink(),
    ports: (v: View) => ({
      ...(typeof base.ports === 'function' ? base.ports(v) : base.ports),
      reembed: reembed(),
    }),
  };
  return { deps, recorder };
}
