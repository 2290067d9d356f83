// One API key per staff role, as the tests' store, support engineer and admin use them.
import { createApiKey } from "../../api/src/domain/api-keys.js";
import type { Queryable } from "../../api/src/db/sql.js";

export async function createRoleKeys(db: Queryable, label: string): Promise<{ store: string; support: string; admin: string }> {
  return {
    store: (await createApiKey(db, "STORE", `${label}-store`)).key,
    support: (await createApiKey(db, "SUPPORT", `${label}-support`)).key,
    admin: (await createApiKey(db, "ADMIN", `${label}-admin`)).key,
  };
}
