// The two ways a command line is wrong. Each tool prints them its own way (stderr text, or its JSON
// document) and exits with its documented usage code.

/** Bad usage: one message per problem, each naming the flag or variable and what a valid value looks like. */
export class UsageError extends Error {
  override name = "UsageError";
  readonly problems: string[];
  constructor(problems: string | string[]) {
    const list = typeof problems === "string" ? [problems] : problems;
    super(list.join("\n"));
    this.problems = list;
  }
}

/** A wrong setting (a URL, a key file): its message alone says what to fix, without the usage text. */
export class SettingError extends UsageError {
  override name = "SettingError";
}
