import { rmSync } from "node:fs";
import { dropTestDatabases } from "./global-setup.mjs";

export default async function globalTeardown() {
  await dropTestDatabases(process.env.TEST_DATABASE_URL, process.env.ALGA_TEST_RUN);
  const own = globalThis.__algaTestPostgres;
  if (own) {
    await own.db.stop(); // ephemeral: removes its pgdata
    rmSync(own.dir, { recursive: true, force: true }); // and the folder around it
  }
}
