// Human-readable output of alga-store (the --json output is the client's result as is).
import type {
  EntitlementChange,
  OfflineActivation,
  OfflineRenewal,
  RegisteredTenant,
  ReissuedInstallCode,
  TenantDetails,
  TenantEntitlement,
  TenantPage,
} from "../client.js";

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
    `  seats:         ${t.seatsUsed} licensed appliance(s) of ${t.seats ?? "—"}`,
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
            `  license until ${when(a.licenseExpiresAt)}${a.credentialActive ? "" : "  (no active credential)"}` +
            (a.activationMode === "OFFLINE" ? `\n      offline: renewal due ${when(a.offlineRenewalDueAt)}, ${seatReports(a)}` : ""),
        )
      : ["    none"]),
  ];
  return lines.join("\n");
}

export function renderTenantPage(p: TenantPage): string {
  const rows = p.edges.map(({ node: n }) => `${n.id}  ${n.status.padEnd(10)} ${n.edition.padEnd(10)} ${n.companyName} <${n.contactEmail}>`);
  const more = p.pageInfo.hasNextPage ? `\nmore: --after ${p.pageInfo.endCursor}` : "";
  return `${rows.join("\n")}${rows.length ? "\n" : ""}${p.edges.length} of ${p.totalCountCapped ? `more than ${p.totalCount}` : p.totalCount} tenant(s)${more}`;
}

type EntitlementLike = TenantEntitlement["entitlements"][number];

function entitlementLine(e: EntitlementLike): string {
  const until = e.validUntil ? `paid through ${when(e.validUntil)}` : "open-ended";
  const grace = e.licensedUntil && e.standing !== "LAPSED" ? `, licensed until ${when(e.licensedUntil)}` : "";
  const stripe = e.stripeSubscriptionId ? `  [${e.stripeSubscriptionId}]` : "";
  return `${e.edition} ${e.status} (${e.standing.toLowerCase().replace("_", " ")}), ${until}${grace}, ${e.seats} seat(s)${stripe}`;
}

export function renderEntitlement(t: TenantEntitlement): string {
  const e = t.currentEntitlement;
  return [
    `${t.companyName}  (${t.id})`,
    `  edition:       ${t.edition}`,
    `  entitlement:   ${e ? entitlementLine(e) : "none (essentials)"}`,
    `  seats:         ${t.seatsUsed} licensed appliance(s) of ${t.seats ?? "—"}`,
    `  stripe:        ${t.stripeCustomerId ?? "—"}`,
  ].join("\n");
}

/** A live credential replaced by a redemption under the same appliance id: what the displaced box had. */
function displacedLine(d: Record<string, unknown>): string {
  const was = (d.displaced ?? {}) as Record<string, string | null | undefined>;
  const license = was.licenseJti ? `license ${was.licenseJti} until ${when(was.licenseExpiresAt)}` : "no license";
  return `appliance ${String(d.applianceId)}: its live credential was replaced by a new redemption (last check-in ${when(was.lastCheckInAt)}, ${license})`;
}

/** One line per change: what, when, who (admin key or Stripe event). */
export function renderEntitlementHistory(t: TenantEntitlement): string {
  const lines = t.entitlementHistory.map((h) => {
    const d = (h.details ?? {}) as Record<string, unknown>;
    const who = d.stripeEventId
      ? `stripe ${String(d.stripeEventType)} ${String(d.stripeEventId)}`
      : `${h.principalType}${h.principalId ? ` ${h.principalId}` : ""}`;
    const changes = d.changes as Record<string, { from: unknown; to: unknown }> | undefined;
    const what = changes
      ? Object.entries(changes)
          .map(([k, v]) => `${k} ${String(v.from ?? "—")} → ${String(v.to ?? "—")}`)
          .join(", ")
      : h.action === "appliance.credential_retired"
        ? `appliance ${String(d.applianceId)} retired (${String(d.reason)})`
        : h.action === "appliance.credential_replaced"
          ? displacedLine(d)
          : [
              d.edition,
              d.status,
              d.seats !== undefined ? `${String(d.seats)} seat(s)` : undefined,
              d.validUntil ? `until ${when(String(d.validUntil))}` : undefined,
            ]
              .filter(Boolean)
              .join(" ");
    const reason = d.reason && !h.action.startsWith("appliance.") ? `  "${String(d.reason)}"` : "";
    return `  ${when(h.createdAt)}  ${h.action.replace(/^entitlement\./, "").padEnd(22)} ${what}  — ${who}${reason}`;
  });
  return [renderEntitlement(t), "history (newest first):", ...(lines.length ? lines : ["  none"])].join("\n");
}

export function renderEntitlementChange(r: EntitlementChange): string {
  return [
    `${r.changed ? "Entitlement changed" : "Nothing to change"}: ${r.tenant.companyName} (${r.tenantId})`,
    `  entitlement:   ${entitlementLine(r.entitlement)}`,
    `  edition:       ${r.tenant.edition}   seats: ${r.tenant.seatsUsed} used of ${r.tenant.seats ?? "—"}`,
    ...(r.retiredApplianceIds.length ? [`  retired:       ${r.retiredApplianceIds.join(", ")} (credentials revoked to fit the seats)`] : []),
    "Appliances get the change at their next check-in.",
  ].join("\n");
}

type ApplianceDetails = TenantDetails["appliances"][number];

/** The seat-report chain of an appliance: the newest status first, broken links called out. */
function seatReports(a: ApplianceDetails): string {
  if (!a.seatReports.length) return "no seat report yet";
  const newest = a.seatReports[0]!;
  const broken = a.seatReports.filter((r) => r.chain === "GAP" || r.chain === "REPLAYED").length;
  return `seat report #${newest.seq} ${newest.chain} (received ${when(newest.receivedAt)})${broken ? `; chain broken ${broken} time(s) (GAP: a report is missing, REPLAYED: one came twice)` : ""}`;
}

export function renderOfflineActivation(r: OfflineActivation, out: string): string {
  return [
    `Activated offline: tenant ${r.tenantId} — ${r.edition}`,
    `  response written to ${out}: give it to the appliance (alga-setup offline-apply --response FILE)`,
  ].join("\n");
}

export function renderOfflineRenewal(r: OfflineRenewal, out: string): string {
  return [
    `Renewed offline: appliance ${r.applianceId} of tenant ${r.tenantId} — ${r.edition}, license until ${when(r.licenseExpiresAt)}`,
    `  seat report #${r.report.seq}: ${r.report.chain}${r.report.chain === "GAP" ? " (a report is missing in between: recorded, support sees it)" : ""}`,
    `  response written to ${out}: give it to the appliance (alga-license import --file FILE)`,
  ].join("\n");
}
