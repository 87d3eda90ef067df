/** What each scripted fault looks like on the wire, including Cloudflare's non-JSON answers. */
import type { Fault } from './fault-script.ts';
import type { FakeResponse } from './rest-responses.ts';
import { errors, rateLimited, text } from './rest-responses.ts';

/** The page Cloudflare serves (status 429, HTML) to an IP banned for too many invalid requests. */
export const BAN_PAGE_HTML = `<!DOCTYPE html>
<html lang="en-US">
<head><title>Access denied | discord.com used Cloudflare to restrict access</title></head>
<body>
<h1>Error 1015</h1>
<h2>You are being rate limited</h2>
<p>The owner of this website (discord.com) has banned you temporarily from accessing this website.</p>
</body>
</html>
`;

const BAD_GATEWAY_HTML = `<html>
<head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body>
</html>
`;

function serverError(status: 500 | 502 | 503): FakeResponse {
  if (status === 502) return text(502, 'text/html', BAD_GATEWAY_HTML);
  if (status === 503) {
    return text(
      503,
      'text/plain',
      'upstream connect error or disconnect/reset before headers. reset reason: overflow',
    );
  }
  return errors.serverError();
}

/** The response for a fault; `bucket` holds the route's current X-RateLimit-* headers. */
export function faultResponse(fault: Fault, bucket: Record<string, string>, now: number): FakeResponse {
  switch (fault.kind) {
    case 'rate-limit': {
      const retryAfter = fault.retryAfter ?? 1;
      const scope = fault.scope ?? 'user';
      if (scope === 'global') {
        return rateLimited(
          retryAfter,
          true,
          { 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global' },
          fault.code,
        );
      }
      const headers = {
        ...bucket,
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': ((now + retryAfter * 1000) / 1000).toFixed(3),
        'X-RateLimit-Reset-After': retryAfter.toFixed(3),
        'X-RateLimit-Scope': scope,
      };
      return rateLimited(retryAfter, false, headers, fault.code);
    }
    case 'bare-429':
      return text(429, 'text/plain', 'error code: 1015', {
        'Retry-After': String(Math.ceil(fault.retryAfter ?? 1)),
      });
    case 'ban-page':
      return text(429, 'text/html; charset=UTF-8', BAN_PAGE_HTML);
    case 'missing-access':
      return errors.missingAccess();
    case 'unauthorized':
      return errors.unauthorized();
    case 'server-error':
      return serverError(fault.status ?? 500);
    case 'unknown-webhook':
      return errors.unknownWebhook();
    case 'slow':
      throw new Error('slow faults delay a request; they never answer it');
  }
}
