// npm run api-key -- create --role store|support|admin [--name NAME] | list [--json] | revoke <id|prefix>
// `create` prints the new key alone on the last line of stdout (it is shown only once).
// Exit codes: 0 ok, 1 failed (e.g. database unreachable), 2 usage, 3 no such key.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.js";
import { DataDirBusyError } from "../db/data-dir-lock.js";
import { createApiKey, listApiKeys, revokeApiKey } from "../domain/api-keys.js";
import { DomainError } from "../domain/errors.js";
import type { PrincipalRole } from "../generated/prisma/enums.js";
import { CliError, withDatabase } from "./database.js";

const USAGE = `usage:
  npm run api-key -- create --role store|support|admin [--name NAME]
  npm run api-key -- list [--json]
  npm run api-key -- revoke <key-id | key-prefix>`;

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { role: { type: "string" }, name: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`, 2);
  }
  const { positionals, values } = parsed;
  const [command, target] = positionals;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!command) throw new CliError(`missing command\n${USAGE}`, 2);
  const config = loadConfig();
  if (command === "create") {
    const role = (values.role ?? "").toUpperCase();
    if (!["STORE", "SUPPORT", "ADMIN"].includes(role)) throw new CliError(`--role must be store, support or admin\n${USAGE}`, 2);
    const name = values.name?.trim() || `${role.toLowerCase()}-${new Date().toISOString().slice(0, 10)}`;
    const { key, row } = await withDatabase(config, "npm run api-key", (db) => createApiKey(db, role as PrincipalRole, name));
    console.error(`created ${row.role.toLowerCase()} API key "${row.name}" (id ${row.id}, prefix ${row.prefix}).`);
    console.error("Store it now: it is shown only once. Send it as 'Authorization: Bearer <key>'.");
    console.log(key);
  } else if (command === "list") {
    const rows = await withDatabase(config, "npm run api-key", listApiKeys);
    if (values.json) {
      console.log(
        JSON.stringify(
          rows.map(({ digest: _digest, ...r }) => r),
          null,
          2,
        ),
      );
      return;
    }
    if (rows.length === 0) console.log("no API keys");
    for (const r of rows) {
      const state = r.revokedAt ? `revoked ${r.revokedAt.toISOString()}` : "active";
      const used = r.lastUsedAt ? `last used ${r.lastUsedAt.toISOString()}` : "never used";
      console.log(`${r.id}  ${r.prefix}  ${r.role.toLowerCase().padEnd(7)}  ${r.name}  (${state}, ${used})`);
    }
  } else if (command === "revoke") {
    if (!target) throw new CliError(`revoke needs a key id or prefix\n${USAGE}`, 2);
    const row = await withDatabase(config, "npm run api-key", (db) => revokeApiKey(db, target));
    if (!row) throw new CliError(`no active API key has the id or prefix ${target} (see: npm run api-key -- list)`, 3);
    console.log(`revoked ${row.role.toLowerCase()} API key "${row.name}" (${row.prefix})`);
  } else {
    throw new CliError(`unknown command ${command}\n${USAGE}`, 2);
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof DomainError) {
    console.error(`api-key: ${err.message}`);
    process.exit(err.code === "BAD_USER_INPUT" ? 2 : 1);
  }
  if (err instanceof CliError) {
    console.error(err.exitCode === 2 ? err.message : `api-key: ${err.message}`);
    process.exit(err.exitCode);
  }
  if (err instanceof DataDirBusyError) {
    console.error(`api-key: ${err.message}`);
    process.exit(1);
  }
  console.error(`api-key: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  process.exit(1);
});
