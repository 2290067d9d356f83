import { dropTestDatabases } from "./global-setup.mjs";

export default async function globalTeardown() {
  await dropTestDatabases();
}
