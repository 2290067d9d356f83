// A setting, or a file standing in for one (DATA_DIR's server secret, its signing keys), that the
// process cannot run on: main.ts prints every problem and exits with code 2.
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}
