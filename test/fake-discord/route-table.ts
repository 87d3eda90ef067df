/** Matches request paths against the spec's route templates, preferring literal segments (`@original`). */
import type { SpecRoute } from './spec-fixture.ts';

/** What a path and method resolve to. */
export type RouteMatch =
  | { kind: 'found'; route: SpecRoute; params: Record<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

interface CompiledRoute {
  route: SpecRoute;
  pattern: RegExp;
  names: string[];
}

function compile(route: SpecRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1] === undefined) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

/** The spec routes the fake serves, looked up by method and path (without the `/api/v10` prefix). */
export class RouteTable {
  readonly #routes: CompiledRoute[];

  constructor(routes: SpecRoute[]) {
    // Fewer parameters first, so `/messages/@original` wins over `/messages/{message_id}`.
    this.#routes = routes.map(compile).sort((a, b) => a.names.length - b.names.length);
  }

  /** The route and decoded path parameters for a request, or why there is none. */
  match(method: string, path: string): RouteMatch {
    let pathMatched = false;
    for (const { route, pattern, names } of this.#routes) {
      const found = pattern.exec(path);
      if (found === null) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1] ?? '');
      });
      return { kind: 'found', route, params };
    }
    return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  }

  /** Every route, in match order. */
  routes(): SpecRoute[] {
    return this.#routes.map((r) => r.route);
  }
}
