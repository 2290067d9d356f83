// How an alga-store command is declared: its name, one line of help, whether it takes a TENANT_ID, and
// its flags — each with its value placeholder, help, environment variable, default and check in one
// place. The parser (parse.ts) accepts exactly these flags and the help (usage.ts) is generated from them.
import type { StoreClient } from "../client.js";

export interface StringFlag<T = unknown> {
  type: "string";
  /** placeholder in the usage, e.g. EMAIL */
  value: string;
  help: string;
  /** read when the flag is not given */
  env?: string;
  /** used when neither the flag nor its environment variable is given; shown in the help */
  default?: string;
  required?: boolean;
  /** the message when a required flag is missing (default: "--flag is required") */
  missing?: string;
  /** checks and converts a value; `source` is the flag or environment variable it came from */
  parse: (raw: string, source: string) => T;
}

export interface BooleanFlag {
  type: "boolean";
  help: string;
  short?: string;
}

export type FlagSpec = StringFlag | BooleanFlag;
export type FlagSpecs = Record<string, FlagSpec>;

/** A string flag; `parse` checks and converts its value (default: the text as given). */
export function option<T = string, R extends boolean = false, D extends string | undefined = undefined>(
  value: string,
  help: string,
  o: { parse?: (raw: string, source: string) => T; required?: R; default?: D; env?: string; missing?: string } = {},
): StringFlag<NoInfer<T>> & { required: NoInfer<R>; default: NoInfer<D> } {
  const parse = o.parse ?? ((raw: string) => raw as T);
  return { type: "string", value, help, env: o.env, missing: o.missing, parse, required: (o.required ?? false) as R, default: o.default as D };
}

/** A flag without a value: true when given. */
export const toggle = (help: string, short?: string): BooleanFlag => ({ type: "boolean", help, short });

type ValueOf<S> = S extends { parse: (raw: string, source: string) => infer T } ? T : never;
/** required, or defaulted: always has a value */
type AlwaysGiven<S> = S extends { required: true } ? true : S extends { default: string } ? true : false;

/** The values a command's run receives: parsed, and never undefined where required or defaulted. */
export type FlagValues<F extends FlagSpecs> = {
  [K in keyof F]: F[K] extends BooleanFlag ? boolean : AlwaysGiven<F[K]> extends true ? ValueOf<F[K]> : ValueOf<F[K]> | undefined;
};

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
