// The step registerTenant and reissueInstallCode share: a fresh code, its ISO link, and its email,
// inside the caller's transaction (the tenant is locked or new).
import type { Queryable } from "../db/sql.js";
import { insertInstallCode } from "../data/install-codes.js";
import { enqueueEmail } from "../data/outbox.js";
import { renderInstallCodeEmail } from "../mail/install-code-email.js";
import type { DownloadLink } from "../storage/iso-download.js";
import { generateInstallCode, installCodeDigest, installCodeRequestLookup } from "./install-code.js";
import type { Services } from "./services.js";

export interface MintedCode {
  id: string;
  installCode: string;
  installCodeExpiresAt: Date;
}

export async function mintInstallCode(
  tx: Queryable,
  s: Services,
  tenant: { id: string; companyName: string; contactEmail: string },
  grant: { edition: string; entitlementId: string | null },
  link: DownloadLink,
  reissue: boolean,
  now: Date,
): Promise<MintedCode> {
  const installCode = generateInstallCode();
  const installCodeExpiresAt = new Date(now.getTime() + s.installCodeTtlSeconds * 1000);
  const canonical = installCode.replace(/-/g, "");
  const row = await insertInstallCode(tx, {
    tenantId: tenant.id,
    entitlementId: grant.entitlementId,
    codeDigest: installCodeDigest(s.secret, canonical),
    // an offline activation request names the code by its SHA-256 only: looked up by this
    requestDigest: installCodeRequestLookup(s.secret, canonical),
    expiresAt: installCodeExpiresAt,
    now,
  });
  const email = renderInstallCodeEmail({
    companyName: tenant.companyName,
    edition: grant.edition,
    tenantId: tenant.id,
    installCode,
    installCodeExpiresAt,
    downloadUrl: link.url,
    downloadUrlExpiresAt: link.expiresAt,
    isoSha256: link.sha256,
    reissue,
  });
  await enqueueEmail(tx, {
    tenantId: tenant.id,
    recipient: tenant.contactEmail,
    kind: reissue ? "install-code-reissued" : "install-code",
    sealedMessage: s.secret.seal(JSON.stringify(email)),
    now,
  });
  return { id: row.id, installCode, installCodeExpiresAt };
}
