// A real OpenID Connect provider for the test suite: panva's certified `oidc-provider` (npm),
// configured from a JSON file and served on 127.0.0.1. Started and stopped by tests/idp/oidc.py.
//
//   node tests/idp/oidc_provider.mjs CONFIG.json
//
// CONFIG: {"port": 0 | N, "issuer": "http://127.0.0.1:N" (optional, derived from the port),
//          "clients": [{client_id, client_secret, redirect_uris, post_logout_redirect_uris, ...}],
//          "accounts": {username: {password, claims: {sub, email, ...}}}}
// With port 0 the OS picks the port and the issuer is derived from it.
//
// `oidc-provider` is resolved from the npm prefix tests/idp/install_oidc.sh installs into
// (<repo>/.tools/oidc), or from $OIDC_PROVIDER_PREFIX: Node's own resolution (createRequire)
// anchored at that prefix, then a file:// import, so neither NODE_PATH (ignored by ESM) nor the
// working directory matter.
//
// Prints `READY <issuer>` on stdout once listening; exits 0 on SIGTERM/SIGINT. Plain http on
// 127.0.0.1 needs no `proxy` or cookie tweaks (cookies are only marked Secure over https).
// oidc-provider 9 warns "Unsupported runtime" on Node 20 (it targets 22+ LTS) but works.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const prefix = path.resolve(
  process.env.OIDC_PROVIDER_PREFIX || path.join(here, '..', '..', '.tools', 'oidc'),
);
const requireFromPrefix = createRequire(path.join(prefix, 'package.json'));
const { default: Provider } = await import(
  pathToFileURL(requireFromPrefix.resolve('oidc-provider')).href
);

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};
const accountsBySub = new Map(
  Object.values(accounts).map((account) => [account.claims.sub, account]),
);

const escapeHtml = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// Start listening first (port 0 = any free port), then build the provider for the real issuer.
let handler = (_req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(config.port || 0, '127.0.0.1', resolve);
});
const { port } = server.address();
const issuer = config.issuer || `http://127.0.0.1:${port}`;

// RS256 signing key generated at start; its public half is served at jwks_uri.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256',
};

const provider = new Provider(issuer, {
  clients: config.clients || [],
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'affiliation'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    affiliation: ['eduperson_affiliation'],
  },
  // Put the claims of the granted scopes in the ID token too (the default, true, keeps them
  // in userinfo only when an access token is issued, i.e. for response_type=code).
  conformIdTokenClaims: false,
  ttl: {
    AccessToken: 3600, AuthorizationCode: 600, IdToken: 3600, Interaction: 3600,
    Session: 86400, Grant: 86400,
  },
  // v9's default requires PKCE of public clients only: require it of every client.
  pkce: { required: () => true, methods: ['S256'] },
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out', `<h1>Sign out of ${escapeHtml(ctx.host)}?</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<h1>Signed out</h1>\n<p>You have been signed out.</p>');
      },
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const account = accountsBySub.get(sub);
    if (!account) return undefined;
    // The provider filters these by the granted scopes/claims.
    return { accountId: sub, claims: async () => ({ ...account.claims, sub }) };
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Error</h1>
<dl>${Object.entries(out).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`);
  },
});

provider.on('server_error', (_ctx, err) => console.error('server_error', err));

function loginPage(uid, clientId, { login = '', error = '' } = {}) {
  return page('Sign in', `<h1>Sign in</h1>
<p>to continue to ${escapeHtml(clientId)}</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>\n` : ''}<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<p><label for="login">Username</label>
<input id="login" name="login" type="text" autocomplete="username" required value="${escapeHtml(login)}"></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
<p><button type="submit">Cancel</button></p>
</form>`);
}

// Grant everything the consent prompt asks for (scopes, claims, resource scopes).
async function autoConsent(details) {
  const { prompt: { details: missing }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return { consent: details.grantId ? {} : { grantId } };
}

async function finish(ctx, result, mergeWithLastSubmission) {
  const returnTo = await provider.interactionResult(
    ctx.req, ctx.res, result, { mergeWithLastSubmission },
  );
  ctx.status = 303;
  ctx.redirect(returnTo);
}

// The interaction routes, in front of the provider's own.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)(?:\/(login|abort))?$/.exec(ctx.path);
  if (!match) return next();
  const [, uid, action] = match;
  ctx.set('cache-control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');
  const { prompt, params } = details;

  if (!action && ctx.method === 'GET') {
    if (prompt.name === 'consent') return finish(ctx, await autoConsent(details), true);
    if (prompt.name !== 'login') ctx.throw(400, `unsupported prompt ${prompt.name}`);
    ctx.type = 'html';
    ctx.body = loginPage(uid, params.client_id, { login: params.login_hint || '' });
    return undefined;
  }
  if (ctx.method !== 'POST') ctx.throw(405);
  const form = await readForm(ctx.req);
  if (action === 'abort') {
    return finish(ctx, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, false);
  }
  if (prompt.name !== 'login') ctx.throw(400, `expected a login prompt, not ${prompt.name}`);
  const login = form.get('login') || '';
  const account = Object.hasOwn(accounts, login) ? accounts[login] : undefined;
  if (!account || account.password !== form.get('password')) {
    ctx.status = 401;
    ctx.type = 'html';
    ctx.body = loginPage(uid, params.client_id, { login, error: 'Invalid username or password.' });
    return undefined;
  }
  return finish(ctx, { login: { accountId: account.claims.sub } }, false);
});

// Static clients are only checked when first used: fail at start instead, with the reason.
for (const { client_id: clientId } of config.clients || []) {
  try {
    if (!await provider.Client.find(String(clientId))) throw new Error('not found');
  } catch (err) {
    console.error(`invalid client ${clientId}: ${err.error_description || err.message}`);
    process.exit(1);
  }
}

handler = provider.callback();
console.log(`READY ${issuer}`);

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
