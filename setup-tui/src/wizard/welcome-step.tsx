import { Box, Text } from "ink";
import Spinner from "ink-spinner";
import { useCallback, useEffect, useState } from "react";
import { isReachable } from "../license-api.js";
import { useKeys } from "./key-router.js";
import { Frame } from "./frame.js";

export function WelcomeStep({ applianceId, licenseUrl, onNext }: { applianceId: string; licenseUrl: string; onNext: () => void }) {
  const [reachable, setReachable] = useState<boolean | null>(null);
  const check = useCallback(() => {
    setReachable(null);
    void isReachable(licenseUrl).then(setReachable);
  }, [licenseUrl]);
  useEffect(check, [check]);
  useKeys((input, key) => {
    if (key.return) onNext();
    else if (input.toLowerCase() === "r") check();
  });
  return (
    <Frame step={0} keys="Enter continue · R check again · Ctrl+C quit">
      <Text>This console binds the appliance to your organisation with the install code from your email.</Text>
      <Box flexDirection="column" marginTop={1}>
        <Text>
          Appliance id:     <Text bold>{applianceId}</Text>
        </Text>
        <Text>
          License service:  <Text bold>{licenseUrl}</Text>
        </Text>
        <Text>
          Reachability:     {reachable === null ? (
            <Text color="yellow">
              <Spinner type="dots" /> checking…
            </Text>
          ) : reachable ? (
            <Text color="green">✓ reachable</Text>
          ) : (
            <Text color="red">✗ not reachable — check the network, then press R</Text>
          )}
        </Text>
      </Box>
    </Frame>
  );
}
