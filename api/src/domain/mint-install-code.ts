// The step registerTenant and reissueInstallCode share: a fresh code, its ISO link, and its email.
import type { Prisma } from "../generated/prisma/client.js";
import { renderInstallCodeEmail } from "../mail/install-code-email.js";
import { enqueueEmail } from "../mail/outbox.js";
import type { DownloadLink } from "../storage/iso-download.js";
import { generateInstallCode, installCodeDigest } from "./install-code.js";
import type { Services } from "./services.js";

export interface MintedCode {
  id: string;
  installCode: string;
  installCodeExpiresAt: Date;
}

export async function mintInstallCode(
  tx: Prisma.TransactionClient,
  s: Services,
  tenant: { id: string; companyName: string; contactEmail: string; edition: string },
  entitlementId: string | null,
  link: DownloadLink,
  reissue: boolean,
): Promise<MintedCode> {
  const installCode = generateInstallCode();
  const installCodeExpiresAt = new Date(Date.now() + s.installCodeTtlSeconds * 1000);
  const row = await tx.installCode.create({
    data: {
      tenantId: tenant.id,
      entitlementId,
      codeDigest: installCodeDigest(s.secret, installCode.replace(/-/g, "")),
      expiresAt: installCodeExpiresAt,
    },
    select: { id: true },
  });
  await enqueueEmail(tx, s.secret, {
    tenantId: tenant.id,
    recipient: tenant.contactEmail,
    kind: reissue ? "install-code-reissued" : "install-code",
    email: renderInstallCodeEmail({
      companyName: tenant.companyName,
      edition: tenant.edition,
      tenantId: tenant.id,
      installCode,
      installCodeExpiresAt,
      downloadUrl: link.url,
      downloadUrlExpiresAt: link.expiresAt,
      reissue,
    }),
  });
  return { id: row.id, installCode, installCodeExpiresAt };
}
