// How an alga-store command is declared: its name, one line of help, whether it takes a TENANT_ID, and
// its flags — declared with the contract's option() and toggle() (contract/src/cli), each with its value
// placeholder, help, environment variable, default and check in one place. The parser (parse.ts)
// accepts exactly these flags and the help (usage.ts) is generated from them. What is alga-store's own:
// the TENANT_ID argument, the help's groups, and the context a command runs with (client, print).
import type { FlagSpecs, FlagValues } from "@alga-license/contract";
import type { StoreClient } from "../client.js";

// the declarations themselves are the contract's, shared with the appliance tools
export { option, toggle, type BooleanFlag, type FlagSpec, type FlagSpecs, type FlagValues, type StringFlag } from "@alga-license/contract";

export interface CommandContext<F extends FlagSpecs> {
  flags: FlagValues<F>;
  /** the TENANT_ID argument (or --tenant) of a command that takes one */
  tenantId: string;
  /** the argument of a command that declares one (`argument`), e.g. an email's ID */
  argument: string;
  client: StoreClient;
  /** prints the result as JSON (--json) or the human text */
  print(result: unknown, human: string): void;
  /** prints "no tenant has this id" (as JSON with --json) and returns the not-found exit code */
  tenantNotFound(): number;
}

export interface Command<F extends FlagSpecs = FlagSpecs> {
  /** one word, or two for a command of a family (e.g. "mail dead") */
  name: string;
  /** the heading it is listed under in the help */
  group: "tenants" | "entitlements" | "mail";
  /** one line: what it does (and which key it needs) */
  summary: string;
  /** takes TENANT_ID as its argument (or --tenant TENANT_ID) */
  tenant?: boolean;
  /** takes one other required argument: its placeholder and help (e.g. ID) */
  argument?: { value: string; help: string };
  flags: F;
  /** pairs of flags of which exactly one must be given */
  exactlyOne?: [keyof F & string, keyof F & string][];
  run(ctx: CommandContext<F>): Promise<number>;
}

/** Declares a command; its flags type its run's values. */
export const defineCommand = <F extends FlagSpecs>(c: Command<F>): Command => c as unknown as Command;
