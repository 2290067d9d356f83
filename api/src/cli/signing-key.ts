// npm run signing-key -- list | rotate | generate (USAGE below). Production rotation with generate: put
// the new key first in LICENSE_SIGNING_KEYS, keep the old one after it until its tokens have expired,
// then drop it.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.js";
import { generateSigningKey, loadSigningKeys, readLocalKeys, rotateLocalKeys } from "../license/signing-keys.js";

const USAGE = `usage: npm run signing-key -- list | rotate | generate
  list      the keys in use (LICENSE_SIGNING_KEYS, or DATA_DIR/signing-keys.json) with kid and state
  rotate    local key file: a new key signs from now on; old keys stay published until their last
            license has expired (LICENSE_TTL_SECONDS). Restart the API to pick it up.
  generate  prints a new private JWK for LICENSE_SIGNING_KEYS`;

async function main() {
  let positionals: string[];
  try {
    const parsed = parseArgs({ allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
    if (parsed.values.help) {
      console.log(USAGE);
      return;
    }
    positionals = parsed.positionals;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const config = loadConfig();
  switch (positionals[0]) {
    case "list": {
      const keys = await loadSigningKeys({ configured: config.license.signingKeys, dataDir: config.dataDir });
      console.log(`source: ${keys.source === "env" ? "LICENSE_SIGNING_KEYS" : `${config.dataDir}/signing-keys.json`}`);
      const local = keys.source === "file" ? readLocalKeys(config.dataDir) : [];
      for (const jwk of keys.publicJwks().keys) {
        const meta = local.find((k) => k.jwk.kid === jwk.kid);
        const state = jwk.kid === keys.signer.kid ? "signing" : `published${meta?.publishUntil ? ` until ${meta.publishUntil}` : ""}`;
        console.log(`${jwk.kid}  ${jwk.alg}  ${state}`);
      }
      break;
    }
    case "rotate": {
      if (config.license.signingKeys) {
        console.error("LICENSE_SIGNING_KEYS is set: rotate by prepending a key from `npm run signing-key -- generate`.");
        process.exit(2);
      }
      const fresh = await rotateLocalKeys(config.dataDir, config.license.ttlSeconds);
      console.error("rotated: restart the API (every replica) so the new key signs.");
      console.log(fresh.jwk.kid);
      break;
    }
    case "generate": {
      const { jwk } = await generateSigningKey();
      console.error("Private key: store it in your secret manager, never in a log or a repository.");
      console.log(JSON.stringify(jwk));
      break;
    }
    default:
      console.error(USAGE);
      process.exit(2);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
