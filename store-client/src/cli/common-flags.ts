// The flags every alga-store command takes: where the control plane is, which key, how long to wait,
// and the output form.
import { option, toggle } from "./command.js";
import { baseUrl, keyFile, milliseconds } from "./inputs.js";

export const COMMON_FLAGS = {
  json: toggle("machine-readable output on stdout"),
  url: option("URL", "control plane base URL", {
    env: "ALGA_LICENSE_URL",
    required: true,
    missing: "no license service URL: pass --url URL or set ALGA_LICENSE_URL, e.g. --url https://license.example.com",
    parse: baseUrl,
  }),
  "api-key-file": option("FILE", "read the API key from a file (default: the key in $ALGA_LICENSE_API_KEY)", { parse: keyFile }),
  timeout: option("MS", "per-request timeout", { default: "10000", parse: milliseconds }),
  help: toggle("this help (alga-store <command> --help: one command's)", "h"),
};

/** --tenant, for the commands that take a TENANT_ID argument */
export const TENANT_FLAG = option("TENANT_ID", "the tenant, instead of the TENANT_ID argument");
