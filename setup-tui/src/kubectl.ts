// The few kubectl calls the console makes. Secrets are written with create, or replace when they
// exist — never `kubectl apply`, which keeps a full copy of the manifest (admin password, appliance
// credential) in the kubectl.kubernetes.io/last-applied-configuration annotation; server-side apply
// would keep updating such an annotation left by an earlier client-side apply. A replace drops it.
import { spawn } from "node:child_process";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(kubectl: string, args: string[], input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err) => reject(new Error(`cannot run ${kubectl}: ${err.message}`)));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) {
      child.stdin!.on("error", () => {}); // an early exit is reported by its status
      child.stdin!.end(input);
    }
  });
}

const ns = (namespace?: string) => (namespace ? ["--namespace", namespace] : []);
const alreadyExists = (r: Result) => /AlreadyExists|already exists/.test(r.stderr);
const notFound = (r: Result) => /NotFound|not found/.test(r.stderr);

/** Creates the Secret, or replaces it whole when it exists. */
export async function writeSecret(kubectl: string, manifest: string, namespace?: string): Promise<"created" | "replaced"> {
  const created = await run(kubectl, ["create", "--filename=-", ...ns(namespace)], manifest);
  if (created.code === 0) return "created";
  if (!alreadyExists(created)) throw new Error(`kubectl create failed (exit ${created.code}): ${created.stderr.trim()}`);
  const replaced = await run(kubectl, ["replace", "--filename=-", ...ns(namespace)], manifest);
  if (replaced.code === 0) return "replaced";
  // deleted in between: create once more
  if (notFound(replaced) && (await run(kubectl, ["create", "--filename=-", ...ns(namespace)], manifest)).code === 0) return "created";
  throw new Error(`kubectl replace failed (exit ${replaced.code}): ${replaced.stderr.trim()}`);
}

/** A Secret's values, or null when it does not exist. */
export async function readSecret(kubectl: string, name: string, namespace?: string): Promise<Record<string, string> | null> {
  const r = await run(kubectl, ["get", "secret", name, "--output=json", ...ns(namespace)]);
  if (r.code !== 0) {
    if (notFound(r)) return null;
    throw new Error(`kubectl get secret ${name} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  let doc: { data?: Record<string, string> };
  try {
    doc = JSON.parse(r.stdout) as typeof doc;
  } catch {
    throw new Error(`kubectl get secret ${name} did not print JSON`);
  }
  return Object.fromEntries(Object.entries(doc.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}
