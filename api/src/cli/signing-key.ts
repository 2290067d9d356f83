// npm run signing-key -- list | rotate | generate
//   list      the keys in use (env LICENSE_SIGNING_KEYS or DATA_DIR/signing-keys.json), with kid and state
//   rotate    local key file: a new key signs from now on; old keys stay published in the JWKS until
//             their last token has expired (LICENSE_TTL_SECONDS). Restart the API to pick it up.
//   generate  prints a new private JWK for LICENSE_SIGNING_KEYS (production rotation: put it first,
//             keep the old key after it until its tokens have expired, then drop it)
import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { generateSigningKey, loadSigningKeys, readLocalKeys, rotateLocalKeys } from "../license/signing-keys.js";

async function main() {
  const { positionals } = parseArgs({ allowPositionals: true });
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
      console.error("usage: npm run signing-key -- list | rotate | generate");
      process.exit(2);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
