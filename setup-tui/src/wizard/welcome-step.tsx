// Welcome: the appliance id, the license service (U changes it) and whether it answers, and what this
// appliance is already bound to.
import { Box, Text } from "ink";
import Spinner from "ink-spinner";
import { useCallback, useEffect, useState } from "react";
import { describeBinding, type Binding } from "../binding.js";
import { isReachable } from "../license-api.js";
import { useKeypress } from "./keypress.js";
import { Field, Frame } from "./frame.js";

export function WelcomeStep(props: { applianceId: string; licenseUrl: string; binding: Binding | null; onNext: () => void; onChangeUrl: () => void }) {
  const { applianceId, licenseUrl, binding, onNext, onChangeUrl } = props;
  const [reachable, setReachable] = useState<boolean | null>(null);
  const check = useCallback(() => {
    let live = true;
    setReachable(null);
    void isReachable(licenseUrl).then((ok) => live && setReachable(ok));
    return () => void (live = false);
  }, [licenseUrl]);
  useEffect(check, [check]);
  useKeypress((key) => {
    if (key.name === "return") onNext();
    else if (key.name === "text" && key.text.toLowerCase() === "r") check();
    else if (key.name === "text" && key.text.toLowerCase() === "u") onChangeUrl();
  });
  return (
    <Frame flow="setup" step="welcome" keys="Enter continue · U change the URL · R check again · Ctrl+C quit">
      <Text>This console binds the appliance to your organisation with the install code from your email.</Text>
      <Box flexDirection="column" marginTop={1}>
        <Field label="Appliance id:">
          <Text bold>{applianceId}</Text>
        </Field>
        <Field label="License service:">
          <Text bold>{licenseUrl}</Text>
        </Field>
        <Field label="Reachability:">
          {reachable === null ? (
            <Text color="yellow">
              <Spinner type="dots" /> checking…
            </Text>
          ) : reachable ? (
            <Text color="green">✓ reachable</Text>
          ) : (
            <Text color="red">✗ not reachable — check the network or the URL (U), then press R</Text>
          )}
        </Field>
        {binding ? <Field label="This appliance:">{describeBinding(binding)}</Field> : null}
      </Box>
    </Frame>
  );
}
