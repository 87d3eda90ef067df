/** `/__fake/*`: the test-only HTTP API for inspecting the fake, scripting faults and resetting it. */
import type { z } from 'zod';
import type { DiscordState } from './discord-state.ts';
import type { FakeDiscordGateway } from './fake-discord-gateway.ts';
import type { FaultScript } from './fault-script.ts';
import { faultSchema } from './fault-script.ts';
import { gatewayActionSchema, runGatewayAction } from './gateway-actions.ts';
import type { FakeResponse } from './rest-responses.ts';
import { errors, json, noContent } from './rest-responses.ts';

/** The prefix of inspection routes (outside `/api`, so a client cannot hit them by accident). */
export const INSPECTION_PREFIX = '/__fake';

/** What the inspection routes reach. */
export interface InspectionDeps {
  state: DiscordState;
  faults: FaultScript;
  gateway: FakeDiscordGateway;
  /** Clears everything resettable: state, rate-limit windows, faults. */
  reset: () => void;
}

function parsed<T>(
  schema: z.ZodType<T>,
  body: string,
): { ok: true; value: T } | { ok: false; response: FakeResponse } {
  let value: unknown;
  try {
    value = body.length === 0 ? {} : JSON.parse(body);
  } catch {
    return { ok: false, response: errors.invalidJson() };
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, response: json(400, { message: 'Invalid fake request', issues: result.error.issues }) };
}

/** Answers one inspection request. */
export function handleInspection(method: string, url: URL, body: string, deps: InspectionDeps): FakeResponse {
  const route = `${method} ${url.pathname.slice(INSPECTION_PREFIX.length)}`;
  switch (route) {
    case 'GET /invalid-requests':
      return json(200, deps.state.invalidRequests(url.searchParams.get('bot') ?? undefined));
    case 'GET /state':
      return json(200, deps.state.snapshot());
    case 'GET /requests':
      return json(200, deps.state.requests());
    case 'POST /reset':
      deps.reset();
      return noContent();
    case 'GET /faults':
      return json(200, deps.faults.list());
    case 'DELETE /faults':
      deps.faults.clear(url.searchParams.get('id') ?? undefined);
      return noContent();
    case 'POST /faults': {
      const fault = parsed(faultSchema, body);
      return fault.ok ? json(200, { id: deps.faults.add(fault.value) }) : fault.response;
    }
    case 'GET /gateway':
      return json(200, { sessions: deps.gateway.sessions(), received: deps.gateway.received() });
    case 'POST /gateway': {
      const action = parsed(gatewayActionSchema, body);
      if (!action.ok) return action.response;
      return json(200, runGatewayAction(deps.gateway, deps.state, action.value) ?? {});
    }
    default:
      return errors.notFound();
  }
}
