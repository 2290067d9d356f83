// The tool name and version a request carries ("alga-setup/<version>", from setup-tui's package.json).
import { readFileSync } from "node:fs";

export const TOOL_VERSION: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
export const toolName = (command = "alga-setup") => `${command}/${TOOL_VERSION}`;
