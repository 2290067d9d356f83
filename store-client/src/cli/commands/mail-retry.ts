import { defineCommand } from "../command.js";
import { EXIT } from "../exit-codes.js";

export default defineCommand({
  name: "mail retry",
  group: "mail",
  summary: "sends a DEAD email again: back to PENDING with its attempts reset (audited)",
  argument: { value: "ID", help: "the email's id (from alga-store mail dead)" },
  flags: {},
  async run({ argument, client, print }) {
    const mail = await client.retryDeadMail(argument);
    print(mail, `Queued again: ${mail.kind} to ${mail.recipient} (${mail.id}); the outbox sends it now.`);
    return EXIT.OK;
  },
});
