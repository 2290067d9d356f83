// The two seed Secrets the bootstrap consumes, built from a redemption and written as manifests into a
// folder (mode 0600 in a 0700 folder) or into the cluster with kubectl (create, or replace when they
// exist). The admin password stays here: it only ever goes into the local Secret, never to the license
// service, and only when it can still take effect (the appliance was not bootstrapped yet).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import {
  INITIAL_TENANT_KEYS as T,
  INITIAL_TENANT_SECRET,
  LICENSE_SEED_KEYS as L,
  LICENSE_SEED_SECRET,
  type InitialTenantSeed,
  type LicenseSeed,
} from "@alga-license/contract";
import type { ApplyTarget } from "./config.js";
import { readSecret, writeSecret } from "./kubectl.js";
import type { RedeemResult } from "./license-api.js";
import type { VendorKeys } from "./license/verify.js";

export interface SeedInput {
  redeemed: RedeemResult;
  /** unset when the appliance was already bootstrapped: the admin keeps the existing password */
  adminPassword?: string;
  applianceId: string;
  licenseUrl: string;
  vendorKeys: VendorKeys;
  redeemedAt: Date;
}

export interface Seeds {
  initialTenant: InitialTenantSeed;
  licenseSeed: LicenseSeed;
}

export function buildLicenseSeed(i: Omit<SeedInput, "adminPassword">): LicenseSeed {
  const seed: LicenseSeed = {
    [L.edition]: i.redeemed.edition,
    [L.applianceId]: i.applianceId,
    [L.licenseUrl]: i.licenseUrl,
    [L.redeemedAt]: i.redeemedAt.toISOString(),
    [L.vendorKeys]: JSON.stringify(i.vendorKeys.document),
  };
  if (i.redeemed.edition !== "ESSENTIALS") {
    seed[L.token] = i.redeemed.firstJwt ?? "";
    seed[L.credential] = i.redeemed.applianceCredential ?? "";
    seed[L.checkInUrl] = i.redeemed.checkInUrl ?? "";
  }
  return seed;
}

export function buildSeeds(i: SeedInput): Seeds {
  const initialTenant: InitialTenantSeed = {
    [T.tenantId]: i.redeemed.tenantId,
    [T.adminEmail]: i.redeemed.contactEmail,
    [T.companyName]: i.redeemed.companyName,
  };
  if (i.adminPassword !== undefined) initialTenant[T.adminPassword] = i.adminPassword;
  return { initialTenant, licenseSeed: buildLicenseSeed(i) };
}

export function secretManifest(name: string, data: Record<string, string>, namespace?: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      labels: { "app.kubernetes.io/part-of": "alga-appliance", "app.kubernetes.io/managed-by": "alga-setup" },
    },
    type: "Opaque",
    stringData: data,
  });
}

export interface ApplyStep {
  name: string;
  run: () => Promise<string>;
}

/** One step per Secret, each with its own status line in the wizard. */
export function applySteps(seeds: Partial<Seeds>, target: ApplyTarget): ApplyStep[] {
  const secrets: [string, Record<string, string> | undefined][] = [
    [INITIAL_TENANT_SECRET, seeds.initialTenant as Record<string, string> | undefined],
    [LICENSE_SEED_SECRET, seeds.licenseSeed as Record<string, string> | undefined],
  ];
  return secrets
    .filter((s): s is [string, Record<string, string>] => s[1] !== undefined)
    .map(([name, data]) => ({
      name,
      run: async () => {
        const manifest = secretManifest(name, data, target.namespace);
        if (target.kubectl) {
          const how = await writeSecret(target.kubectl, manifest, target.namespace);
          return `${how} Secret ${name}${target.namespace ? ` in ${target.namespace}` : ""}`;
        }
        mkdirSync(target.outputDir, { recursive: true, mode: 0o700 });
        const file = path.join(target.outputDir, `${name}.yaml`);
        writeFileSync(file, manifest, { mode: 0o600 });
        chmodSync(file, 0o600); // also when the file existed with wider permissions
        return `wrote ${file}`;
      },
    }));
}

/** One Secret's values from a manifest file, or null when the file does not exist. */
export function readSeedFile(file: string): Record<string, string> | null {
  if (!existsSync(file)) return null;
  const doc = parse(readFileSync(file, "utf8")) as { stringData?: Record<string, string>; data?: Record<string, string> } | null;
  const values: Record<string, string> = { ...(doc?.stringData ?? {}) };
  for (const [k, v] of Object.entries(doc?.data ?? {})) values[k] = Buffer.from(v, "base64").toString("utf8");
  return values;
}

/** Reads the seeds back from a folder written by the wizard (for create-tenant outside the cluster). */
export function readSeedDir(dir: string): Record<string, string> {
  if (!existsSync(dir)) throw new Error(`the seed folder ${dir} does not exist`);
  const values: Record<string, string> = {};
  for (const name of [INITIAL_TENANT_SECRET, LICENSE_SEED_SECRET]) Object.assign(values, readSeedFile(path.join(dir, `${name}.yaml`)) ?? {});
  return values;
}

/** The initial-tenant seed already in place for this target (a previous install), if any. */
export async function existingInitialTenant(target: ApplyTarget): Promise<Record<string, string> | null> {
  return target.kubectl
    ? readSecret(target.kubectl, INITIAL_TENANT_SECRET, target.namespace)
    : readSeedFile(path.join(target.outputDir, `${INITIAL_TENANT_SECRET}.yaml`));
}
