import type { OutboxEmail } from "../../client.js";
import { defineCommand, option } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { positiveInt } from "../inputs.js";

const when = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, " UTC");

export function renderDeadMail(mail: OutboxEmail[]): string {
  if (!mail.length) return "No DEAD email: the outbox has given up on nothing.";
  return [
    `${mail.length} DEAD email${mail.length > 1 ? "s" : ""}, newest first (alga-store mail retry ID sends one again):`,
    ...mail.flatMap((m) => [
      `  ${m.id}  ${m.kind} to ${m.recipient}  (queued ${when(m.createdAt)}, ${m.attempts} attempt${m.attempts === 1 ? "" : "s"})`,
      ...(m.tenantId ? [`      tenant ${m.tenantId}`] : []),
      ...(m.lastError ? [`      last error: ${m.lastError}`] : []),
    ]),
  ].join("\n");
}

export default defineCommand({
  name: "mail dead",
  group: "mail",
  summary: "the emails the outbox gave up on (DEAD), newest first",
  flags: { limit: option("N", "at most this many (up to 500)", { default: "50", parse: positiveInt }) },
  async run({ flags, client, print }) {
    const mail = await client.deadMail({ last: flags.limit });
    print(mail, renderDeadMail(mail));
    return EXIT.OK;
  },
});
