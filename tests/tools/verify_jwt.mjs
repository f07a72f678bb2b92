// Verifies an App Store Connect API token with the npm `jose` package, an implementation
// ascsync did not write. Usage:
//   node verify_jwt.mjs <token-file> <public-key-pem-file> <issuer-id> <key-id>
// Environment: JOSE_DIR = directory whose node_modules holds jose (default: the tools dir).
// Exits 0 when the token is a valid ES256 JWT for App Store Connect, 1 otherwise, 2 on misuse.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

const [tokenFile, keyFile, issuer, keyId] = process.argv.slice(2);
if (!tokenFile || !keyFile || !issuer || !keyId) {
  console.error('usage: node verify_jwt.mjs <token-file> <public-key-pem-file> <issuer-id> <key-id>');
  process.exit(2);
}
const toolsDir = process.env.ASCSYNC_TOOLS_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ascsync-tools');
const joseDir = process.env.JOSE_DIR || join(toolsDir, 'jose');
let jose;
try {
  jose = createRequire(join(joseDir, 'package.json'))('jose');
} catch (e) {
  console.error(`jose not found under ${joseDir}: run scripts/install-jose.sh (${e.message})`);
  process.exit(2);
}

const fail = (msg) => { console.error(`invalid token: ${msg}`); process.exit(1); };
try {
  const token = readFileSync(tokenFile, 'utf8').trim();
  const key = await jose.importSPKI(readFileSync(keyFile, 'utf8'), 'ES256');
  const { payload, protectedHeader } = await jose.jwtVerify(token, key, {
    algorithms: ['ES256'],
    audience: 'appstoreconnect-v1',
    issuer,
    requiredClaims: ['iat', 'exp'],
  });
  if (protectedHeader.kid !== keyId) fail(`kid ${protectedHeader.kid} != ${keyId}`);
  if (protectedHeader.typ !== 'JWT') fail(`typ ${protectedHeader.typ} != JWT`);
  const now = Math.floor(Date.now() / 1000);
  // Apple refuses tokens that expire more than 20 minutes ahead.
  if (payload.exp - now > 20 * 60) fail(`exp is ${payload.exp - now}s ahead (> 1200)`);
  if (payload.exp - payload.iat > 20 * 60) fail(`lifetime ${payload.exp - payload.iat}s > 1200`);
  console.log(JSON.stringify({ ok: true, kid: protectedHeader.kid, iss: payload.iss, exp_in: payload.exp - now }));
} catch (e) {
  fail(`${e.code || e.name}: ${e.message}`);
}
