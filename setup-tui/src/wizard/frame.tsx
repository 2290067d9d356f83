// Screen frame sized for an 80x24 console: title bar with the step's name, body, key hints.
import { Box, Text } from "ink";
import type { ReactNode } from "react";

export type StepName = "welcome" | "service-url" | "code" | "offline" | "password" | "redeem" | "apply" | "connect" | "done";

const TITLES: Record<StepName, string> = {
  welcome: "Welcome",
  "service-url": "License service",
  code: "Install code",
  offline: "Activate offline",
  password: "Admin password",
  redeem: "Redeem",
  apply: "Apply",
  connect: "Connect",
  done: "Done",
};

/** The steps of each flow, in order (the frame shows where the operator is). */
export const FLOWS = {
  setup: ["welcome", "code", "password", "redeem", "apply", "done"],
  connect: ["welcome", "code", "connect", "done"],
  offline: ["welcome", "code", "offline", "password", "apply", "done"],
} satisfies Record<string, StepName[]>;

export type FlowName = keyof typeof FLOWS;

export function Frame({ flow, step, children, keys }: { flow: FlowName; step: StepName; children: ReactNode; keys: string }) {
  const steps: readonly StepName[] = FLOWS[flow];
  // the URL editor belongs to the welcome step
  const position = steps.indexOf(step === "service-url" ? "welcome" : step) + 1;
  return (
    <Box flexDirection="column" width={80}>
      <Box borderStyle="round" borderColor="cyan" paddingX={1} justifyContent="space-between">
        <Text bold>
          {flow === "connect" ? "Alga appliance: connect a license" : flow === "offline" ? "Alga appliance setup (offline)" : "Alga appliance setup"}
        </Text>
        <Text dimColor>
          step {position}/{steps.length}: {TITLES[step]}
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

/** A labelled value whose wrapped lines stay under the value, not under the label. */
export function Field({ label, children, width = 18 }: { label: string; children: ReactNode; width?: number }) {
  return (
    <Box>
      <Box width={width} flexShrink={0}>
        <Text>{label}</Text>
      </Box>
      <Box flexGrow={1} flexShrink={1}>
        <Text wrap="wrap">{children}</Text>
      </Box>
    </Box>
  );
}

/** A list item whose wrapped lines keep the item's indent. */
export function Item({ marker, children }: { marker: string; children: ReactNode }) {
  return (
    <Box>
      <Box width={marker.length + 3} flexShrink={0}>
        <Text>{`  ${marker}`}</Text>
      </Box>
      <Box flexGrow={1} flexShrink={1}>
        <Text wrap="wrap">{children}</Text>
      </Box>
    </Box>
  );
}
