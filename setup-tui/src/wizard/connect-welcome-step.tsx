// connect's first screen: the installed appliance (organisation, tenant, edition now) that will take a
// paid license in place.
import { Box, Text } from "ink";
import type { JWK } from "jose";
import { useRef } from "react";
import { describeFailure, loadInstalled, type Installed } from "../flows.js";
import { useKeypress } from "./keypress.js";
import { Field, Frame, Problem } from "./frame.js";
import { Running } from "./task-view.js";
import { useServiceTask } from "./use-task.js";

export function ConnectWelcomeStep(props: {
  databaseUrl: string;
  licenseUrl?: string;
  applianceId?: string;
  vendorKeys?: JWK[];
  onNext: (installed: Installed) => void;
  onQuit: () => void;
}) {
  const since = useRef(Date.now());
  const task = useServiceTask(() =>
    loadInstalled(props.databaseUrl, { licenseUrl: props.licenseUrl, applianceId: props.applianceId, vendorKeys: props.vendorKeys }),
  );
  const s = task.state;
  useKeypress((key) => {
    if (s.kind === "done" && key.name === "return") props.onNext(s.value);
    else if (s.kind === "failed" && (key.name === "return" || key.name === "escape")) props.onQuit();
  });
  if (s.kind === "running" || s.kind === "waiting") {
    return (
      <Frame flow="connect" step="welcome" keys="please wait · Ctrl+C quit">
        <Running text="Reading this appliance's license state" attempt={1} since={since.current} />
      </Frame>
    );
  }
  if (s.kind === "failed") {
    const { explanation } = describeFailure(s.error);
    return (
      <Frame flow="connect" step="welcome" keys="Enter quit">
        <Problem title={explanation.title} detail={explanation.detail} action={explanation.action} />
      </Frame>
    );
  }
  const i = s.value;
  return (
    <Frame flow="connect" step="welcome" keys="Enter continue · Ctrl+C quit">
      <Text wrap="wrap">
        Connect this installed appliance to its organisation's paid license with an install code issued for the same organisation. The tenant, its data and the
        administrator's password stay as they are.
      </Text>
      <Box flexDirection="column" marginTop={1}>
        <Field label="Organisation:">
          <Text bold>{i.row.company_name}</Text>
        </Field>
        <Field label="Tenant id:">{i.row.tenant_id}</Field>
        <Field label="Edition now:">{i.row.edition}</Field>
        <Field label="Appliance id:">{i.applianceId}</Field>
        <Field label="License service:">{i.licenseUrl}</Field>
      </Box>
    </Frame>
  );
}
