// The install-code email: code, ISO link, both expiries and the install steps. Never a password.
export interface InstallCodeEmailInput {
  companyName: string;
  edition: string;
  tenantId: string;
  installCode: string;
  installCodeExpiresAt: Date;
  downloadUrl: string;
  downloadUrlExpiresAt: Date;
  /** hex sha256 of the ISO, when known: the customer can check the download */
  isoSha256?: string;
  reissue: boolean;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const fmt = (d: Date) =>
  d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STEPS = (code: string, checksum: boolean) => [
  `Download the appliance ISO from the link above (it is the same generic image for every customer)${checksum ? " and check its SHA-256" : ""}.`,
  "Boot the machine from the ISO and let the installer finish.",
  `On the first-boot setup screen, enter the install code ${code}.`,
  "Choose the administrator password there (it is set on the appliance only and never sent to us).",
  "The appliance comes up bound to your organisation. Keep this email until the install has finished.",
];

export function renderInstallCodeEmail(i: InstallCodeEmailInput): RenderedEmail {
  const edition = i.edition.charAt(0) + i.edition.slice(1).toLowerCase();
  const subject = i.reissue ? `Your new Alga appliance install code for ${i.companyName}` : `Your Alga appliance install code for ${i.companyName}`;
  const intro = i.reissue
    ? "A new install code was issued for your organisation. Any earlier unused code no longer works."
    : `Thank you for registering ${i.companyName} for Alga ${edition}.`;
  const steps = STEPS(i.installCode, !!i.isoSha256);
  const text = [
    intro,
    "",
    `Install code:  ${i.installCode}`,
    `  valid until ${fmt(i.installCodeExpiresAt)}, single use`,
    "",
    `ISO download:  ${i.downloadUrl}`,
    `  link valid until ${fmt(i.downloadUrlExpiresAt)}`,
    ...(i.isoSha256 ? [`  SHA-256 of the ISO: ${i.isoSha256}`] : []),
    "",
    "To install:",
    ...steps.map((s, n) => `  ${n + 1}. ${s}`),
    "",
    "If the code expires or the install has to be repeated, ask your vendor to re-issue an install code",
    "(portal: Appliances > Re-issue install code).",
    "",
    `Organisation id: ${i.tenantId}`,
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">
<p>${esc(intro)}</p>
<p><strong>Install code</strong><br><code style="font-size:1.4em;letter-spacing:.05em">${esc(i.installCode)}</code><br>
valid until ${esc(fmt(i.installCodeExpiresAt))}, single use</p>
<p><strong>ISO download</strong><br><a href="${esc(i.downloadUrl)}">Download the appliance ISO</a><br>
link valid until ${esc(fmt(i.downloadUrlExpiresAt))}${i.isoSha256 ? `<br>SHA-256 of the ISO: <code>${esc(i.isoSha256)}</code>` : ""}</p>
<p><strong>To install</strong></p>
<ol>${steps.map((s) => `<li>${esc(s)}</li>`).join("")}</ol>
<p>If the code expires or the install has to be repeated, ask your vendor to re-issue an install code
(portal: Appliances &gt; Re-issue install code).</p>
<p style="color:#666">Organisation id: ${esc(i.tenantId)}</p>
</body></html>`;
  return { subject, text, html };
}
