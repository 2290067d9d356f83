// Builds the two seed Secrets from a redemption and writes them: as manifests into a folder
// (mode 0600) or straight into the cluster with `kubectl apply`. The admin password stays here:
// it only ever goes into the local Secret, never to the license service.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import type { RedeemResult } from "./license-api.js";
import {
  INITIAL_TENANT_KEYS as T,
  INITIAL_TENANT_SECRET,
  LICENSE_SEED_KEYS as L,
  LICENSE_SEED_SECRET,
  type InitialTenantSeed,
  type LicenseSeed,
} from "@alga-license/contract";

export interface SeedInput {
  redeemed: RedeemResult;
  adminPassword: string;
  applianceId: string;
  licenseUrl: string;
}

export function buildSeeds(i: SeedInput): { initialTenant: InitialTenantSeed; licenseSeed: LicenseSeed } {
  const paid = i.redeemed.edition !== "ESSENTIALS";
  const licenseSeed: LicenseSeed = {
    [L.edition]: i.redeemed.edition,
    [L.applianceId]: i.applianceId,
    [L.licenseUrl]: i.licenseUrl,
  };
  if (paid) {
    licenseSeed[L.token] = i.redeemed.firstJwt ?? "";
    licenseSeed[L.credential] = i.redeemed.applianceCredential ?? "";
    licenseSeed[L.checkInUrl] = i.redeemed.checkInUrl ?? "";
  }
  return {
    initialTenant: {
      [T.tenantId]: i.redeemed.tenantId,
      [T.adminPassword]: i.adminPassword,
      [T.adminEmail]: i.redeemed.contactEmail,
      [T.companyName]: i.redeemed.companyName,
    },
    licenseSeed,
  };
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

export interface ApplyTarget {
  /** folder for the manifests (default when no kubectl is configured) */
  outputDir?: string;
  /** kubectl binary: apply straight into the cluster instead */
  kubectl?: string;
  namespace?: string;
}

export interface ApplyStep {
  name: string;
  run: () => Promise<string>;
}

/** The apply steps, each with its own status line in the wizard. */
export function applySteps(seeds: ReturnType<typeof buildSeeds>, target: ApplyTarget): ApplyStep[] {
  const manifests: [string, Record<string, string>][] = [
    [INITIAL_TENANT_SECRET, seeds.initialTenant],
    [LICENSE_SEED_SECRET, seeds.licenseSeed as Record<string, string>],
  ];
  return manifests.map(([name, data]) => ({
    name,
    run: async () => {
      const manifest = secretManifest(name, data, target.namespace);
      if (target.kubectl) {
        await kubectlApply(target.kubectl, manifest, target.namespace);
        return `applied Secret ${name}${target.namespace ? ` in ${target.namespace}` : ""}`;
      }
      const dir = target.outputDir ?? ".";
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, `${name}.yaml`);
      writeFileSync(file, manifest, { mode: 0o600 });
      chmodSync(file, 0o600); // also when the file existed with wider permissions
      return `wrote ${file}`;
    },
  }));
}

function kubectlApply(kubectl: string, manifest: string, namespace?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ["apply", "-f", "-", ...(namespace ? ["-n", namespace] : [])];
    const child = spawn(kubectl, args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err) => reject(new Error(`cannot run ${kubectl}: ${err.message}`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`kubectl apply failed (${code}): ${stderr.trim()}`))));
    child.stdin.end(manifest);
  });
}

/** Reads the seeds back from a folder written by the wizard (for create-tenant outside the cluster). */
export function readSeedDir(dir: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of [INITIAL_TENANT_SECRET, LICENSE_SEED_SECRET]) {
    const file = path.join(dir, `${name}.yaml`);
    if (!existsSync(file)) continue;
    const doc = parse(readFileSync(file, "utf8")) as { stringData?: Record<string, string>; data?: Record<string, string> };
    Object.assign(values, doc.stringData ?? {});
    for (const [k, v] of Object.entries(doc.data ?? {})) values[k] = Buffer.from(v, "base64").toString("utf8");
  }
  return values;
}
