import { dropTestDatabases } from "./global-setup.mjs";

export default async function globalTeardown() {
  await dropTestDatabases(process.env.TEST_DATABASE_URL, process.env.ALGA_TEST_RUN);
  await globalThis.__algaTestPostgres?.stop();
}
