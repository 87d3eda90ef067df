/** The page shown instead of the status page without a valid admin token: a sign-in form and no data. */
import { html, type SafeHtml } from './html.ts';
import { pageDocument } from './page-layout.ts';

/** `problem` says why the form is shown again (a wrong token); `disabled` when no ADMIN_TOKEN is set. */
export function signInPage(o: { nonce: string; problem?: string; disabled?: boolean }): SafeHtml {
  const form = o.disabled
    ? html`<p class="problem">The status page is disabled: set the <code>ADMIN_TOKEN</code> secret on
promethean-functions (<code>npx wrangler secret put ADMIN_TOKEN</code>).</p>`
    : html`${o.problem ? html`<p class="problem" role="alert">${o.problem}</p>` : ''}
<form method="post" action="/status/sign-in">
<p><label for="token">Admin token</label><br>
<input id="token" name="token" type="password" autocomplete="current-password" required size="48" autofocus></p>
<p><button type="submit">Sign in</button></p>
</form>
<p class="small">The token is the deployment's <code>ADMIN_TOKEN</code> (<code>npm run dev</code> prints its local one).
Signing in sets a signed session cookie for this site (HttpOnly, SameSite=Strict, Secure; never the token),
valid for 12 hours or until you sign out; requests with
<code>Authorization: Bearer &lt;token&gt;</code> work too.</p>`;
  const body = html`<header><h1>Promethean Edge — status</h1></header>
<main>
<section class="card" id="sign-in">
<h2>Sign in</h2>
${form}
</section>
</main>`;
  return pageDocument({ title: 'Sign in — Promethean Edge status', nonce: o.nonce, body, script: false });
}
