// How a command's settings are declared, once: each flag (or environment-only setting) with its value
// placeholder, help, environment variable, default and value check. The parser (parse.ts) accepts
// exactly the declared flags and the help (usage.ts) is generated from the same declarations, so the
// two cannot drift apart.

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
  /** the whole message when a required setting is missing (default: "<label> is required") */
  missing?: string;
  /** false: an environment variable only, no command-line flag (`setting()`) */
  flag?: false;
  /**
   * Checks and converts a value; `source` names where it came from (the flag or variable, as the
   * program labels it). A wrong value throws a UsageError that names `source`.
   */
  parse: (raw: string, source: string) => T;
}

export interface BooleanFlag {
  type: "boolean";
  help: string;
  short?: string;
}

export type FlagSpec = StringFlag | BooleanFlag;
export type FlagSpecs = Record<string, FlagSpec>;

type StringOptions<T, R extends boolean, D extends string | undefined> = {
  parse?: (raw: string, source: string) => T;
  required?: R;
  default?: D;
  env?: string;
  missing?: string;
};

type Typed<T, R, D> = StringFlag<NoInfer<T>> & { required: NoInfer<R>; default: NoInfer<D> };

/** A string flag; `parse` checks and converts its value (default: the text as given). */
export function option<T = string, R extends boolean = false, D extends string | undefined = undefined>(
  value: string,
  help: string,
  o: StringOptions<T, R, D> = {},
): Typed<T, R, D> {
  const parse = o.parse ?? ((raw: string) => raw as T);
  return { type: "string", value, help, env: o.env, missing: o.missing, parse, required: (o.required ?? false) as R, default: o.default as D };
}

/** A setting read only from an environment variable (a Secret, a database URL): listed as `env NAME` in the help. */
export function setting<T = string, R extends boolean = false, D extends string | undefined = undefined>(
  env: string,
  help: string,
  o: Omit<StringOptions<T, R, D>, "env"> = {},
): Typed<T, R, D> {
  return { ...option<T, R, D>("", help, { ...o, env }), flag: false };
}

/** A flag without a value: true when given. */
export const toggle = (help: string, short?: string): BooleanFlag => ({ type: "boolean", help, short });

/** Whether a declaration is a command-line flag (not an environment-only setting). */
export const isFlag = (spec: FlagSpec): boolean => spec.type === "boolean" || spec.flag !== false;

type ValueOf<S> = S extends { parse: (raw: string, source: string) => infer T } ? T : never;
/** required, or defaulted: always has a value */
type AlwaysGiven<S> = S extends { required: true } ? true : S extends { default: string } ? true : false;

/** The values a command receives: parsed, and never undefined where required or defaulted. */
export type FlagValues<F extends FlagSpecs> = {
  [K in keyof F]: F[K] extends BooleanFlag ? boolean : AlwaysGiven<F[K]> extends true ? ValueOf<F[K]> : ValueOf<F[K]> | undefined;
};
