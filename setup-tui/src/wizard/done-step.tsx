import { Box, Text } from "ink";
import type { RedeemResult } from "../license-api.js";
import { useKeys } from "./key-router.js";
import { Frame } from "./frame.js";

export function DoneStep({ result, notes, onExit }: { result: RedeemResult; notes: string[]; onExit: () => void }) {
  useKeys((_input, key) => {
    if (key.return) onExit();
  });
  const paid = result.edition !== "ESSENTIALS";
  return (
    <Frame step={5} keys="Enter exit">
      <Text color="green" bold>
        ✓ The appliance is bound to your organisation.
      </Text>
      <Box flexDirection="column" marginTop={1}>
        <Text>Organisation:  <Text bold>{result.companyName}</Text></Text>
        <Text>Tenant id:     <Text bold>{result.tenantId}</Text></Text>
        <Text>
          Edition:       <Text bold>{result.edition}</Text>{" "}
          {paid ? (
            <Text color="green">licensed{result.licenseExpiresAt ? ` until ${result.licenseExpiresAt.slice(0, 10)}, renewed daily` : ""}</Text>
          ) : (
            <Text>essentials (no license needed)</Text>
          )}
        </Text>
      </Box>
      <Box flexDirection="column" marginTop={1}>
        {notes.map((n) => (
          <Text key={n} dimColor>
            {n}
          </Text>
        ))}
      </Box>
      <Box flexDirection="column" marginTop={1}>
        <Text>Next steps:</Text>
        <Text>  1. The bootstrap job creates the tenant and the admin user from these seeds.</Text>
        <Text>  2. Sign in as {result.contactEmail} with the password you just set.</Text>
        {paid ? <Text>  3. The daily check-in keeps the license current; no action needed.</Text> : null}
      </Box>
    </Frame>
  );
}
