// The outcome: organisation, tenant, edition (once), what was written, and next steps that are true
// for this appliance — in particular whether the admin password chosen here takes effect.
import { Box, Text } from "ink";
import type { Redemption } from "../flows.js";
import { useKeypress } from "./keypress.js";
import { Field, Frame, Item, type FlowName } from "./frame.js";

export type PasswordEffect = "yes" | "no" | "unsure" | "untouched";

function editionLine(r: Redemption): string {
  if (r.redeemed.edition === "ESSENTIALS") return "ESSENTIALS (free: no license needed)";
  const until = r.license ? ` until ${r.license.expiresAt.toISOString().slice(0, 10)}, renewed daily` : "";
  return `${r.redeemed.edition} — licensed${until}`;
}

export function DoneStep(props: { flow: FlowName; redemption: Redemption; notes: string[]; password: PasswordEffect; onExit: () => void }) {
  const { flow, redemption: r, notes, password, onExit } = props;
  useKeypress((key) => {
    if (key.name === "return") onExit();
  });
  const paid = r.redeemed.edition !== "ESSENTIALS";
  const email = r.redeemed.contactEmail;
  const steps: string[] =
    flow === "connect"
      ? [
          "This appliance's license state was updated in place: same organisation, same tenant id.",
          "The administrator's password is untouched.",
          "The daily check-in keeps the license current; no action needed.",
        ]
      : [
          password === "no"
            ? "This appliance was bootstrapped before: the bootstrap job refreshes its license from these seeds (re-run it, or run create-tenant)."
            : "The bootstrap job creates the tenant and the admin user from these seeds.",
          password === "yes"
            ? `Sign in as ${email} with the password you just set.`
            : password === "no"
              ? `The administrator keeps the existing password: sign in as before (${email}).`
              : `Sign in as ${email}: with the password you just set on a new appliance database; if it was bootstrapped before, the administrator keeps the existing password.`,
          ...(paid ? ["The daily check-in keeps the license current; no action needed."] : []),
        ];
  return (
    <Frame flow={flow} step="done" keys="Enter exit">
      <Text color="green" bold>
        ✓ {flow === "connect" ? "The appliance is connected to its license." : "The appliance is bound to your organisation."}
      </Text>
      <Box flexDirection="column" marginTop={1}>
        <Field label="Organisation:" width={15}>
          <Text bold>{r.redeemed.companyName}</Text>
        </Field>
        <Field label="Tenant id:" width={15}>
          <Text bold>{r.redeemed.tenantId}</Text>
        </Field>
        <Field label="Edition:" width={15}>
          <Text bold color={paid ? "green" : undefined}>
            {editionLine(r)}
          </Text>
        </Field>
      </Box>
      {notes.length ? (
        <Box flexDirection="column" marginTop={1}>
          {notes.map((n) => (
            <Item key={n} marker="·">
              <Text dimColor>{n}</Text>
            </Item>
          ))}
        </Box>
      ) : null}
      <Box flexDirection="column" marginTop={1}>
        <Text>Next steps:</Text>
        {steps.map((text, i) => (
          <Item key={text} marker={`${i + 1}.`}>
            {text}
          </Item>
        ))}
      </Box>
    </Frame>
  );
}
