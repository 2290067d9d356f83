// The two seed Secrets the bootstrap consumes, built from a redemption and written as manifests into a
// folder (mode 0600 in a 0700 folder) or into the cluster with kubectl (create, or replace when they
// exist). The admin password stays here: it only ever goes into the local Secret, never to the license
// service, and only when it can still take effect (the appliance was not bootstrapped yet).
// Each seed carries a digest of its fields, written first: a seed cut short or half-read no longer
// matches it and the bootstrap refuses it (an integrity check against accidents, not a signature —
// whatever grants anything in a seed is verified on its own: license/chain.ts, license/verify.ts).
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify, YAMLError } from "yaml";
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
import type { JWK } from "jose";

/** What the seeds take from a redemption: the online one's answer, or an offline activation response. */
export type RedeemedFields = Pick<RedeemResult, "tenantId" | "companyName" | "contactEmail" | "edition" | "firstJwt" | "applianceCredential" | "checkInUrl">;

export interface SeedInput {
  redeemed: RedeemedFields;
  /** unset when the appliance was already bootstrapped: the admin keeps the existing password */
  adminPassword?: string;
  applianceId: string;
  licenseUrl: string;
  vendorKeys: VendorKeys;
  redeemedAt: Date;
  /** this appliance's identity key (appliance-key.ts): the private JWK, kept by create-tenant in license_state */
  applianceKey?: JWK | null;
}

export interface Seeds {
  initialTenant: InitialTenantSeed;
  licenseSeed: LicenseSeed;
}

/** The seeds and their fields under the digest (the password is not: the appliance chart clears it). */
export const SEEDS = [
  { secret: INITIAL_TENANT_SECRET, label: "initial-tenant seed", keys: T as Record<string, string>, digest: T.digest, unsealed: [T.adminPassword as string] },
  { secret: LICENSE_SEED_SECRET, label: "license seed", keys: L as Record<string, string>, digest: L.digest, unsealed: [] as string[] },
] as const;
type SeedKind = (typeof SEEDS)[number];

/** sha256 over the seed's fields (sorted, absent ones left out), as "sha256:<base64url>". */
export function seedDigest(values: Record<string, string | undefined>, seed: SeedKind): string {
  const fields = Object.values(seed.keys)
    .filter((k) => k !== seed.digest && !seed.unsealed.includes(k) && values[k] !== undefined)
    .sort()
    .map((k) => [k, values[k]]);
  return `sha256:${createHash("sha256").update(JSON.stringify(fields)).digest("base64url")}`;
}

/**
 * The seed with its digest as the first field; the password (not under the digest) comes next, so a
 * file cut anywhere in it loses fields the digest covers too.
 */
function sealed<S extends Record<string, string | undefined>>(values: S, seed: SeedKind): S {
  const rest = Object.entries(values).filter(([k, v]) => v !== undefined && k !== seed.digest);
  rest.sort(([a], [b]) => Number(seed.unsealed.includes(b)) - Number(seed.unsealed.includes(a)));
  return Object.fromEntries([[seed.digest, seedDigest(values, seed)], ...rest]) as S;
}

/** Why a seed's values do not match its digest (null: they do, or it has none: written by an older alga-setup). */
export function seedIntegrityProblem(values: Record<string, string | undefined>, seed: SeedKind, source: string): string | null {
  const digest = values[seed.digest];
  if (digest === undefined) return null;
  if (digest.trim() === seedDigest(values, seed)) return null;
  return `the ${seed.label} (${source}) does not match its ${seed.digest}: it was cut short or changed after alga-setup wrote it; write it again with alga-setup`;
}

export function buildLicenseSeed(i: Omit<SeedInput, "adminPassword">): LicenseSeed {
  const seed: LicenseSeed = {
    [L.edition]: i.redeemed.edition,
    [L.applianceId]: i.applianceId,
    [L.licenseUrl]: i.licenseUrl,
    [L.redeemedAt]: i.redeemedAt.toISOString(),
    [L.vendorKeys]: JSON.stringify(i.vendorKeys.document),
  };
  if (i.applianceKey) seed[L.applianceKey] = JSON.stringify(i.applianceKey);
  if (i.redeemed.edition !== "ESSENTIALS") {
    seed[L.token] = i.redeemed.firstJwt ?? "";
    seed[L.credential] = i.redeemed.applianceCredential ?? "";
    seed[L.checkInUrl] = i.redeemed.checkInUrl ?? "";
  }
  return sealed(seed, SEEDS[1]);
}

export function buildSeeds(i: SeedInput): Seeds {
  const initialTenant: InitialTenantSeed = {
    [T.tenantId]: i.redeemed.tenantId,
    [T.adminEmail]: i.redeemed.contactEmail,
    [T.companyName]: i.redeemed.companyName,
  };
  if (i.adminPassword !== undefined) initialTenant[T.adminPassword] = i.adminPassword;
  return { initialTenant: sealed(initialTenant, SEEDS[0]), licenseSeed: buildLicenseSeed(i) };
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

/** A seed file that cannot be read as a Secret manifest; the message is one line naming the file. */
export class SeedFileError extends Error {
  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = "SeedFileError";
  }
}

const isStringMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** One Secret's values from a manifest file, or null when the file does not exist. Throws SeedFileError. */
export function readSeedFile(file: string): Record<string, string> | null {
  if (!existsSync(file)) return null;
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (err) {
    if (!(err instanceof YAMLError)) throw new SeedFileError(file, `cannot be read (${(err as Error).message})`);
    const line = err.linePos?.[0]?.line;
    throw new SeedFileError(
      file,
      `is not a readable Secret manifest (YAML ${err.code}${line ? ` at line ${line}` : ""}): is it cut short? Write it again with alga-setup`,
    );
  }
  if (!isStringMap(doc)) throw new SeedFileError(file, "is not a Secret manifest (no mapping at the top)");
  const values: Record<string, string> = {};
  for (const [field, decode] of [
    ["stringData", (v: string) => v],
    ["data", (v: string) => Buffer.from(v, "base64").toString("utf8")],
  ] as const) {
    const map = doc[field];
    if (map === undefined || map === null) continue;
    if (!isStringMap(map)) throw new SeedFileError(file, `its ${field} is not a mapping of names to values`);
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== "string") throw new SeedFileError(file, `${field}.${k} is not a string`);
      values[k] = decode(v);
    }
  }
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
