// Screen frame sized for an 80x24 console: title bar, step counter, body, key hints.
import { Box, Text } from "ink";
import type { ReactNode } from "react";

export const STEPS = ["Welcome", "Install code", "Admin password", "Redeem", "Apply", "Done"] as const;

export function Frame({ step, children, keys }: { step: number; children: ReactNode; keys: string }) {
  return (
    <Box flexDirection="column" width={80}>
      <Box borderStyle="round" borderColor="cyan" paddingX={1} justifyContent="space-between">
        <Text bold>Alga appliance setup</Text>
        <Text dimColor>
          step {step + 1}/{STEPS.length}: {STEPS[step]}
        </Text>
      </Box>
      <Box flexDirection="column" paddingX={2} paddingY={1}>
        {children}
      </Box>
      <Box paddingX={2}>
        <Text dimColor>{keys}</Text>
      </Box>
    </Box>
  );
}

export function Problem({ title, detail, action }: { title: string; detail?: string; action?: string }) {
  return (
    <Box flexDirection="column" borderStyle="single" borderColor="red" paddingX={1} marginTop={1}>
      <Text color="red" bold>
        ✗ {title}
      </Text>
      {detail ? <Text wrap="wrap">{detail}</Text> : null}
      {action ? <Text wrap="wrap">{action}</Text> : null}
    </Box>
  );
}
