// Changing the license service URL from the console (the welcome screen's U).
import { Box, Text } from "ink";
import { useState } from "react";
import { parseBaseUrl } from "@alga-license/contract";
import { editText, useField } from "./field.js";
import { useKeypress } from "./keypress.js";
import { Frame, Problem } from "./frame.js";

export function ServiceUrlStep({ current, onDone }: { current: string; onDone: (url: string | null) => void }) {
  const field = useField(current);
  const [problem, setProblem] = useState<string | null>(null);
  useKeypress((key) => {
    if (key.name === "escape") return onDone(null);
    if (key.name === "return") {
      try {
        return onDone(parseBaseUrl(field.get()).href.replace(/\/+$/, ""));
      } catch (err) {
        return setProblem((err as Error).message);
      }
    }
    const next = editText(field.get(), key, { max: 300 });
    if (next !== null) {
      setProblem(null);
      field.set(next);
    }
  });
  return (
    <Frame flow="setup" step="service-url" keys="Enter use this URL · Ctrl+U clear · Esc keep the old one · Ctrl+C quit">
      <Text>The license service's base URL, as your vendor gave it (e.g. https://license.example.com).</Text>
      <Box marginTop={1}>
        <Text>URL: </Text>
        <Text bold color="cyan">
          {field.value}
        </Text>
        <Text inverse> </Text>
      </Box>
      {problem ? <Problem title="That URL cannot be used" detail={problem} /> : null}
    </Frame>
  );
}
