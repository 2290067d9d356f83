// Notices to a tenant's contact (fleet sweep, domain/fleet-sweep.ts): each says what happened, the
// facts behind it and the way out. Never a secret.
import type { RenderedEmail } from "./install-code-email.js";

export type NoticeKind = "license_expiring" | "appliance_overdue" | "entitlement_past_due";
export const NOTICE_KINDS: readonly NoticeKind[] = ["license_expiring", "appliance_overdue", "entitlement_past_due"];

const fmt = (d: Date) =>
  d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const title = (edition: string) => edition.charAt(0) + edition.slice(1).toLowerCase();

export type NoticeInput =
  | { kind: "license_expiring"; companyName: string; tenantId: string; edition: string; validUntil: Date; licensedUntil: Date | null }
  | {
      kind: "appliance_overdue";
      companyName: string;
      tenantId: string;
      applianceId: string;
      lastCheckInAt: Date | null;
      overdueSince: Date;
      licenseExpiresAt: Date | null;
      checkInUrl: string;
    }
  | { kind: "entitlement_past_due"; companyName: string; tenantId: string; edition: string; pastDueSince: Date; licensedUntil: Date | null };

function compose(subject: string, paragraphs: string[], facts: [string, string][], wayOut: string[], tenantId: string): RenderedEmail {
  const text = [
    ...paragraphs.flatMap((p) => [p, ""]),
    ...facts.map(([k, v]) => `${k}: ${v}`),
    "",
    "What to do:",
    ...wayOut.map((s, n) => `  ${n + 1}. ${s}`),
    "",
    `Organisation id: ${tenantId}`,
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">
${paragraphs.map((p) => `<p>${esc(p)}</p>`).join("\n")}
<table>${facts.map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>
<p><strong>What to do</strong></p>
<ol>${wayOut.map((s) => `<li>${esc(s)}</li>`).join("")}</ol>
<p style="color:#666">Organisation id: ${esc(tenantId)}</p>
</body></html>`;
  return { subject, text, html };
}

export function renderNotice(n: NoticeInput): RenderedEmail {
  switch (n.kind) {
    case "license_expiring":
      return compose(
        `Your Alga ${title(n.edition)} license for ${n.companyName} ends on ${fmt(n.validUntil).slice(0, 10)}`,
        [
          `The paid Alga ${title(n.edition)} license of ${n.companyName} is paid through ${fmt(n.validUntil)} and no renewal is on file.`,
          "After that date your appliances fall back to the free Essentials features.",
        ],
        [
          ["Edition", title(n.edition)],
          ["Paid through", fmt(n.validUntil)],
          ...(n.licensedUntil && n.licensedUntil.getTime() !== n.validUntil.getTime()
            ? ([["Licensed until (with grace)", fmt(n.licensedUntil)]] as [string, string][])
            : []),
        ],
        [
          "Contact your vendor to renew the subscription before that date.",
          "Nothing is needed on the appliances: the next check-in after the renewal picks it up.",
        ],
        n.tenantId,
      );
    case "appliance_overdue":
      return compose(
        `Alga appliance ${n.applianceId} of ${n.companyName} has not checked in`,
        [
          `The appliance ${n.applianceId} has not reached the licensing service since ${n.lastCheckInAt ? fmt(n.lastCheckInAt) : "it was installed"}.`,
          "Its license keeps working until it expires; a check-in renews it.",
        ],
        [
          ["Appliance", n.applianceId],
          ["Last check-in", n.lastCheckInAt ? fmt(n.lastCheckInAt) : "never"],
          ["Overdue since", fmt(n.overdueSince)],
          ["License expires", n.licenseExpiresAt ? fmt(n.licenseExpiresAt) : "unknown"],
          ["Licensing service", n.checkInUrl],
        ],
        [
          `Check that the appliance is running and can reach ${n.checkInUrl} (HTTPS, outbound).`,
          "On the appliance, run alga-check-in (or npm run check-in) to check in at once and see any error.",
          "If the appliance was decommissioned, ask your vendor to retire it, so its seat is free.",
        ],
        n.tenantId,
      );
    case "entitlement_past_due":
      return compose(
        `Payment overdue for the Alga ${title(n.edition)} license of ${n.companyName}`,
        [
          `The payment for the Alga ${title(n.edition)} license of ${n.companyName} is overdue since ${fmt(n.pastDueSince)}.`,
          "Your appliances stay licensed during a grace period; after it they fall back to the free Essentials features.",
        ],
        [
          ["Edition", title(n.edition)],
          ["Overdue since", fmt(n.pastDueSince)],
          ["Licensed until", n.licensedUntil ? fmt(n.licensedUntil) : "the end of the grace period"],
        ],
        [
          "Pay the open invoice or update the payment method with your vendor.",
          "Once the payment is in, the next check-in renews the license: nothing else is needed.",
        ],
        n.tenantId,
      );
  }
}
