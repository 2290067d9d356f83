// Installed paid appliances (register + redeem over HTTP), for the probes that need check-in load.
import { gql, pool, REDEEM, REGISTER } from "./http.js";
import { clientAddress } from "./world.js";

export interface Installed {
  tenantId: string;
  applianceId: string;
  credential: string;
}

export async function installAppliances(url: string, storeKey: string, count: number, label: string): Promise<Installed[]> {
  return pool(count, 4, async (i) => {
    const reg = await gql(
      url,
      REGISTER,
      { input: { companyName: `${label} ${i}`, contactEmail: `${label}-${i}@example.test`, edition: "PRO" } },
      { token: storeKey },
    );
    if (reg.kind !== "ok") throw new Error(`register: ${reg.kind}`);
    const applianceId = `${label}-appliance-${i}`;
    const red = await gql(
      url,
      REDEEM,
      { input: { installCode: reg.data.registerTenant.installCode, applianceId } },
      { clientAddress: clientAddress(500_000 + i) },
    );
    if (red.kind !== "ok") throw new Error(`redeem: ${red.kind}`);
    return { tenantId: reg.data.registerTenant.tenantId as string, applianceId, credential: red.data.redeemInstallCode.applianceCredential as string };
  });
}

/** The jti of a license token (the audit trail records it). */
export const jtiOf = (token: string) => (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { jti: string }).jti;
