// npm run api-key -- create --role store|support|admin [--name NAME] | list [--json] | revoke <id|prefix>
// `create` prints the new key alone on the last line of stdout (it is shown only once).
import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { createApiKey, listApiKeys, revokeApiKey } from "../domain/api-keys.js";
import type { PrincipalRole } from "../generated/prisma/enums.js";
import { withDatabase } from "./database.js";

const USAGE = `usage:
  npm run api-key -- create --role store|support|admin [--name NAME]
  npm run api-key -- list [--json]
  npm run api-key -- revoke <key-id | key-prefix>`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: "string" }, name: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  const [command, target] = positionals;
  if (values.help || !command) fail(USAGE, values.help ? 0 : 2);
  const config = loadConfig();
  if (command === "create") {
    const role = (values.role ?? "").toUpperCase();
    if (!["STORE", "SUPPORT", "ADMIN"].includes(role)) fail(`--role must be store, support or admin\n${USAGE}`);
    const name = values.name?.trim() || `${role.toLowerCase()}-${new Date().toISOString().slice(0, 10)}`;
    const { key, row } = await withDatabase(config, (prisma) => createApiKey(prisma, role as PrincipalRole, name));
    console.error(`created ${row.role.toLowerCase()} API key "${row.name}" (id ${row.id}, prefix ${row.prefix}).`);
    console.error("Store it now: it is shown only once. Send it as 'Authorization: Bearer <key>'.");
    console.log(key);
  } else if (command === "list") {
    const rows = await withDatabase(config, listApiKeys);
    if (values.json) {
      console.log(JSON.stringify(rows.map(({ digest: _digest, ...r }) => r), null, 2));
      return;
    }
    if (rows.length === 0) console.log("no API keys");
    for (const r of rows) {
      const state = r.revokedAt ? `revoked ${r.revokedAt.toISOString()}` : "active";
      const used = r.lastUsedAt ? `last used ${r.lastUsedAt.toISOString()}` : "never used";
      console.log(`${r.id}  ${r.prefix}  ${r.role.toLowerCase().padEnd(7)}  ${r.name}  (${state}, ${used})`);
    }
  } else if (command === "revoke") {
    if (!target) fail(`revoke needs a key id or prefix\n${USAGE}`);
    const row = await withDatabase(config, (prisma) => revokeApiKey(prisma, target));
    if (!row) fail(`no active API key matches ${target}`, 1);
    console.log(`revoked ${row.role.toLowerCase()} API key "${row.name}" (${row.prefix})`);
  } else {
    fail(`unknown command ${command}\n${USAGE}`);
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err), 1));
