/** Development-only routes answer 404 unless the deployment says it is development. */
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

export const developmentOnly = (): MiddlewareHandler<{ Bindings: AccessEnv }> =>
  async function developmentOnly(c, next) {
    if (c.env.PROMETHEAN_ENV !== 'development')
      throw new HTTPException(404, { message: 'development routes are disabled' });
    await next();
  };
