// Human-readable output of alga-store (the --json output is the client's result as is).
import type { RegisteredTenant, ReissuedInstallCode, TenantDetails, TenantPage } from "../client.js";

const when = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, " UTC") : "—");

export function renderCode(r: RegisteredTenant | ReissuedInstallCode): string[] {
  return [
    `  tenant id:     ${r.tenantId}`,
    `  install code:  ${r.installCode}   (valid until ${when(r.installCodeExpiresAt)})`,
    `  ISO download:  ${r.downloadUrl}`,
    `                 (link valid until ${when(r.downloadUrlExpiresAt)})`,
  ];
}

export function renderRegistered(r: RegisteredTenant): string {
  return [
    `${r.replayed ? "Already registered (same idempotency key)" : "Registered"}: ${r.tenant.companyName} — ${r.tenant.edition}`,
    ...renderCode(r),
    `  idempotency key: ${r.idempotencyKey}`,
    `The install code and download link are emailed to ${r.tenant.contactEmail}.`,
  ].join("\n");
}

export function renderReissued(r: ReissuedInstallCode): string {
  return [
    `Re-issued an install code${r.revokedCodes ? ` (revoked ${r.revokedCodes} unused code${r.revokedCodes > 1 ? "s" : ""})` : ""}`,
    ...renderCode(r),
    "The new code is emailed to the tenant's contact.",
  ].join("\n");
}

export function renderTenant(t: TenantDetails): string {
  const lines = [
    `${t.companyName}  (${t.edition}, ${t.deploymentType.toLowerCase()})`,
    `  id:            ${t.id}`,
    `  contact:       ${t.contactEmail}`,
    `  status:        ${t.status}${t.suspendedAt ? ` since ${when(t.suspendedAt)}` : ""}`,
    `  registered:    ${when(t.createdAt)}   installed: ${when(t.installedAt)}   last check-in: ${when(t.lastCheckInAt)}`,
    `  entitlements:  ${t.entitlements.map((e) => `${e.edition} ${e.status}`).join(", ") || "none (essentials)"}`,
    "  install codes:",
    ...(t.installCodes.length
      ? t.installCodes.map(
          (c) =>
            `    ${c.state.padEnd(9)} issued ${when(c.createdAt)}, expires ${when(c.expiresAt)}` +
            (c.consumedAt ? `, redeemed ${when(c.consumedAt)} by ${c.consumedByApplianceId}` : "") +
            (c.revokedAt ? `, revoked ${when(c.revokedAt)}` : ""),
        )
      : ["    none"]),
    "  appliances:",
    ...(t.appliances.length
      ? t.appliances.map(
          (a) =>
            `    ${a.applianceId}  ${a.edition}  version ${a.version ?? "?"}  last check-in ${when(a.lastCheckInAt)}` +
            `  license until ${when(a.licenseExpiresAt)}${a.credentialActive ? "" : "  (no active credential)"}`,
        )
      : ["    none"]),
  ];
  return lines.join("\n");
}

export function renderTenantPage(p: TenantPage): string {
  const rows = p.edges.map(
    ({ node: n }) => `${n.id}  ${n.status.padEnd(10)} ${n.edition.padEnd(10)} ${n.companyName} <${n.contactEmail}>`,
  );
  const more = p.pageInfo.hasNextPage ? `\nmore: --after ${p.pageInfo.endCursor}` : "";
  return `${rows.join("\n")}${rows.length ? "\n" : ""}${p.edges.length} of ${p.totalCount} tenant(s)${more}`;
}
