// The Helm charts, proven with a real helm (v4, fetched by `npm run helm:fetch`; see
// tests/helpers/helm.ts): `helm lint` and `helm template` for both charts with their
// default values, the production-like ci/*-values.yaml files and every toggle; every rendered object is
// validated against the Kubernetes schemas (and for unknown fields); the refusals of dangerous
// configurations fail with a message naming the value to set; NOTES.txt renders with the real URL.
// Static checks remain where helm cannot help: values ↔ schema ↔ README, the seed Secret contract with
// the wizard, and the Dockerfiles' shape. Each values set is rendered once and shared by the tests.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import * as addFormatsModule from "ajv-formats";
import { parse } from "yaml";
import { INITIAL_TENANT_KEYS, INITIAL_TENANT_SECRET, LICENSE_SEED_KEYS, LICENSE_SEED_SECRET } from "../contract/src/seeds.js";
import { lint, notes, parseManifests, template, templateRaw, validateObjects, type K8sObject, type Rendered, type RenderOptions } from "./helpers/helm.js";

const CHARTS = ["alga-license", "appliance"] as const;
type Chart = (typeof CHARTS)[number];
const chartDir = (c: string) => path.join(process.cwd(), "charts", c);
const read = (c: string, f: string) => readFileSync(path.join(chartDir(c), f), "utf8");
const ciFiles = (c: string) =>
  readdirSync(path.join(chartDir(c), "ci"))
    .filter((f) => f.endsWith("-values.yaml"))
    .map((f) => `ci/${f}`);

type Schema = { properties?: Record<string, Schema>; type?: string | string[]; description?: string; additionalProperties?: unknown };

// ---------------------------------------------------------------------------------------------------
// The values sets. Each is rendered at most once (lazily) and reused by every test that needs it.
// ---------------------------------------------------------------------------------------------------
const PROD = "ci/production-values.yaml";
/** every secret a single-replica release needs to run without local defaults */
const SECRETS = {
  databaseUrl: "postgresql://alga:pw@postgres.db.svc:5432/alga",
  serverSecret: "s".repeat(40),
  licenseSigningKeys: '[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"x","d":"d"}]',
  smtpUrl: "smtp://mail.example.com:587",
  s3AccessKey: "ak",
  s3SecretKey: "sk",
};
const prod = (values: Record<string, unknown>): RenderOptions => ({ valuesFiles: [PROD], values });

const CASES: Record<string, { chart: Chart; options: RenderOptions }> = {
  // alga-license
  "readme install (existingSecret, defaults)": {
    chart: "alga-license",
    options: { values: { config: { publicUrl: "https://license.example.com" }, secrets: { existingSecret: "alga-license-secrets" } } },
  },
  "alga-license ci/production": { chart: "alga-license", options: { valuesFiles: [PROD] } },
  "alga-license ci/existing-secret": { chart: "alga-license", options: { valuesFiles: ["ci/existing-secret-values.yaml"] } },
  "alga-license ci/demo": { chart: "alga-license", options: { valuesFiles: ["ci/demo-values.yaml"] } },
  "single replica, all secrets": { chart: "alga-license", options: { values: { replicaCount: 1, autoscaling: { enabled: false }, secrets: SECRETS } } },
  "ingress off": { chart: "alga-license", options: prod({ ingress: { enabled: false } }) },
  "ingress without TLS": { chart: "alga-license", options: prod({ ingress: { tls: [] } }) },
  "HPA off, 4 replicas": { chart: "alga-license", options: prod({ autoscaling: { enabled: false }, replicaCount: 4 }) },
  "PDB off": { chart: "alga-license", options: prod({ podDisruptionBudget: { enabled: false } }) },
  "ServiceMonitor off": { chart: "alga-license", options: prod({ serviceMonitor: { enabled: false } }) },
  "metrics on the main port": { chart: "alga-license", options: prod({ config: { metricsPort: 0 } }) },
  "metrics disabled": { chart: "alga-license", options: prod({ config: { metricsEnabled: false } }) },
  "existingSecret instead of values": {
    chart: "alga-license",
    options: prod({
      secrets: {
        existingSecret: "managed-elsewhere",
        databaseUrl: "",
        serverSecret: "",
        licenseSigningKeys: "",
        smtpUrl: "",
        s3AccessKey: "",
        s3SecretKey: "",
        stripeWebhookSecret: "",
        stripeApiKey: "",
      },
    }),
  },
  "ServiceAccount not created": { chart: "alga-license", options: prod({ serviceAccount: { create: false } }) },
  "migrations off": { chart: "alga-license", options: prod({ migrations: { enabled: false } }) },
  "helm test off": { chart: "alga-license", options: prod({ tests: { enabled: false } }) },
  "alga-license long release name": { chart: "alga-license", options: { release: "r".repeat(53), valuesFiles: [PROD] } },
  // appliance
  "appliance defaults": { chart: "appliance", options: {} },
  "appliance ci/production": { chart: "appliance", options: { valuesFiles: [PROD] } },
  "appliance ci/bootstrap-only": { chart: "appliance", options: { valuesFiles: ["ci/bootstrap-only-values.yaml"] } },
  "appliance bootstrap off": { chart: "appliance", options: { values: { bootstrap: { enabled: false } } } },
  "appliance explicit schedule": { chart: "appliance", options: { values: { checkIn: { schedule: "5 4 * * 1" } } } },
  "appliance long release name": { chart: "appliance", options: { release: "a".repeat(53) } },
};
const cache = new Map<string, Rendered>();
function rendered(name: keyof typeof CASES | string): Rendered {
  const c = CASES[name];
  if (!c) throw new Error(`no values set ${name}`);
  if (!cache.has(name)) cache.set(name, template(c.chart, c.options));
  return cache.get(name)!;
}
const casesOf = (chart: Chart) => Object.keys(CASES).filter((k) => CASES[k]!.chart === chart);

const must = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`missing: ${what}`);
  return v;
};
const podSpec = (o: K8sObject) => (o.kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.kind === "Pod" ? o.spec : o.spec.template.spec);
const container = (o: K8sObject, name?: string) => {
  const cs = podSpec(o).containers as any[];
  return must(name ? cs.find((c) => c.name === name) : cs[0], `container ${name ?? "0"} of ${o.kind}/${o.metadata.name}`);
};
const envValue = (c: any, name: string) => (c.env as any[]).find((e) => e.name === name);

// ---------------------------------------------------------------------------------------------------
// Static: values ↔ schema ↔ README ↔ templates
// ---------------------------------------------------------------------------------------------------
/** a value as the README tables print it (JSON with ", " and ": ") */
const readmeJson = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(readmeJson).join(", ")}]`
    : v && typeof v === "object"
      ? `{${Object.entries(v)
          .map(([k, x]) => `${JSON.stringify(k)}: ${readmeJson(x)}`)
          .join(", ")}}`
      : JSON.stringify(v);

/** helm's merge of a values file over values.yaml: maps merge, anything else replaces */
function merge(base: unknown, over: unknown): unknown {
  const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
  if (!isMap(base) || !isMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

function leaves(values: unknown): [string, unknown][] {
  const out: [string, unknown][] = [];
  const walk = (v: unknown, p: string) => {
    if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length) {
      for (const [k, sub] of Object.entries(v)) walk(sub, p ? `${p}.${k}` : k);
    } else out.push([p, v]);
  };
  walk(values, "");
  return out;
}

describe.each(CHARTS)("chart %s: values, schema, README", (chart) => {
  const values = parse(read(chart, "values.yaml")) as Record<string, unknown>;
  const schema = JSON.parse(read(chart, "values.schema.json")) as Schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  // a CommonJS module: its default export sits on .default when imported from ESM
  (addFormatsModule.default as unknown as (a: Ajv) => Ajv)(ajv);
  const validate = ajv.compile(schema);

  it("Chart.yaml is a valid v2 application chart, with a .helmignore", () => {
    const meta = parse(read(chart, "Chart.yaml"));
    expect(meta).toMatchObject({ apiVersion: "v2", name: chart, type: "application" });
    expect(meta.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
    expect(typeof meta.appVersion).toBe("string");
    expect(meta.description).toBeTruthy();
    expect(read(chart, ".helmignore")).toContain(".git/");
  });

  it("values.yaml and every ci/*-values.yaml validate against values.schema.json, which refuses typos", () => {
    expect(validate(values) ? [] : validate.errors).toEqual([]);
    for (const f of ciFiles(chart)) {
      const merged = merge(values, parse(read(chart, f))); // as helm merges them
      expect([f, validate(merged) ? [] : validate.errors]).toEqual([f, []]);
    }
    expect(validate({ ...values, imagee: {} })).toBe(false);
    expect(validate({ ...values, podSecurityContext: { runAsNonRoot: false } })).toBe(false);
    expect(validate({ ...values, extraEnv: [{ value: "no name" }] })).toBe(false);
  });

  it("every .Values path used in the templates exists in values.yaml and in the schema", () => {
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const f of readdirSync(dir, { withFileTypes: true })) {
        if (f.isDirectory()) walk(path.join(dir, f.name));
        else for (const m of readFileSync(path.join(dir, f.name), "utf8").matchAll(/\$?\.Values\.([A-Za-z0-9_.]+)/g)) used.add(m[1]!.replace(/\.$/, ""));
      }
    };
    walk(path.join(chartDir(chart), "templates"));
    expect(used.size).toBeGreaterThan(10);
    for (const p of used) {
      let v: unknown = values;
      let s: Schema | undefined = schema;
      for (const part of p.split(".")) {
        expect([p, v !== null && typeof v === "object" && part in (v as object)]).toEqual([p, true]);
        v = (v as Record<string, unknown>)[part];
        s = s?.properties?.[part];
        expect([p, s !== undefined]).toEqual([p, true]);
      }
    }
  });

  it("documents every value in its README, with its default", () => {
    const readme = read(chart, "README.md");
    const rows = new Map<string, string>();
    for (const m of readme.matchAll(/^\| `([^`]+)` \| `(.*?)` \|/gm)) rows.set(m[1]!, m[2]!);
    for (const [leaf, v] of leaves(values)) expect([leaf, rows.get(leaf)]).toEqual([leaf, readmeJson(v)]);
  });

  it("runs as non-root with a read-only root filesystem by default", () => {
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true });
    expect(values.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });
});

// ---------------------------------------------------------------------------------------------------
// Real helm: lint, and every rendered object valid
// ---------------------------------------------------------------------------------------------------
describe("helm lint", () => {
  const lintCases = CHARTS.flatMap((chart) => [{ chart, file: "(defaults)" }, ...ciFiles(chart).map((file) => ({ chart, file }))]);
  it.each(lintCases)("$chart $file", ({ chart, file }) => {
    const r = lint(chart, { valuesFiles: file.startsWith("ci/") ? [file] : [] });
    expect([r.code, r.stdout + r.stderr]).toEqual([0, expect.stringContaining("0 chart(s) failed")]);
    expect(r.stdout).not.toMatch(/\[(ERROR|WARNING)\]/);
  });

  it("a failing render reaches the test: helm's exit status and message", () => {
    const r = templateRaw("alga-license", { values: { image: { pullPolicy: "Sometimes" } } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("pullPolicy");
  });

  it("helm output that is not valid YAML, or not objects, is refused by the parser", () => {
    expect(() => parseManifests("---\nkind: ConfigMap\ndata: [a\n")).toThrow(/invalid YAML/);
    expect(() => parseManifests("---\nkind: ConfigMap\nkind: Secret\n")).toThrow(/invalid YAML/);
    expect(() => parseManifests("---\n- a\n- b\n")).toThrow(/not an object/);
    expect(parseManifests("---\n# Source: c/templates/x.yaml\nkind: ConfigMap\n---\n")).toEqual([{ kind: "ConfigMap" }]);
  });
});

describe("every rendered object", () => {
  it("is a valid Kubernetes object: schema, types, no unknown fields (ServiceMonitor: prometheus-operator's CRD)", async () => {
    const items = Object.keys(CASES).flatMap((label) => rendered(label).objects.map((object) => ({ label, object })));
    expect(items.length).toBeGreaterThan(150);
    expect(new Set(items.map((i) => i.object.kind))).toEqual(
      new Set([
        "ConfigMap",
        "Secret",
        "Service",
        "ServiceAccount",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Ingress",
        "Job",
        "Pod",
        "ServiceMonitor",
        "CronJob",
        "Role",
        "RoleBinding",
      ]),
    );
    expect(await validateObjects(items)).toEqual([]);
  }, 300_000);

  it("the validation catches a wrong type, an unknown field and a missing required field", async () => {
    const dep = structuredClone(must(rendered("alga-license ci/production").find("Deployment"), "Deployment"));
    const c = dep.spec.template.spec.containers[0];
    c.ports[0].containerPort = "8080";
    const dep2 = structuredClone(must(rendered("alga-license ci/production").find("Deployment"), "Deployment"));
    dep2.spec.template.spec.containers[0].imagePullPolicyy = "Always";
    const sm = structuredClone(must(rendered("alga-license ci/production").find("ServiceMonitor"), "ServiceMonitor"));
    sm.spec.endpoints[0].scrapeTimeoutt = "5s";
    const job = structuredClone(must(rendered("appliance defaults").find("CronJob"), "CronJob"));
    delete job.spec.schedule;
    const problems = await validateObjects([
      { label: "wrong type", object: dep },
      { label: "unknown field", object: dep2 },
      { label: "unknown CRD field", object: sm },
      { label: "missing field", object: job },
    ]);
    expect(problems.join("\n")).toMatch(/wrong type.*containerPort/);
    expect(problems.join("\n")).toMatch(/unknown field.*imagePullPolicyy/);
    expect(problems.join("\n")).toMatch(/unknown CRD field.*scrapeTimeoutt/);
    expect(problems.join("\n")).toMatch(/missing field.*schedule/);
  }, 120_000);

  it("carries the chart's labels and a name Kubernetes accepts (Jobs ≤ 63, CronJobs ≤ 52 characters)", () => {
    for (const label of Object.keys(CASES)) {
      for (const o of rendered(label).objects) {
        const where = `${label}: ${o.kind}/${o.metadata.name}`;
        expect([where, o.metadata.labels?.["app.kubernetes.io/name"], o.metadata.labels?.["app.kubernetes.io/instance"]]).toEqual([
          where,
          expect.any(String),
          expect.any(String),
        ]);
        expect([where, o.metadata.labels?.["app.kubernetes.io/managed-by"], o.metadata.labels?.["helm.sh/chart"]]).toEqual([
          where,
          "Helm",
          expect.stringMatching(/^(alga-license|appliance)-\d/),
        ]);
        const max = o.kind === "CronJob" ? 52 : ["Job", "Service", "Pod"].includes(o.kind) ? 63 : 253;
        expect([where, o.metadata.name.length <= max, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(o.metadata.name)]).toEqual([where, true, true]);
        for (const v of Object.values(o.metadata.labels ?? {})) expect([where, v.length <= 63]).toEqual([where, true]);
      }
    }
  });

  it("renders tidy YAML: no whitespace-only lines left by template directives", () => {
    for (const label of Object.keys(CASES)) expect([label, /^[ \t]+$/m.test(rendered(label).raw)]).toEqual([label, false]);
  });

  it("every pod runs non-root, read-only, without privilege escalation", () => {
    for (const label of Object.keys(CASES)) {
      for (const o of rendered(label).objects.filter((x) => ["Deployment", "Job", "CronJob", "Pod"].includes(x.kind))) {
        const where = `${label}: ${o.kind}/${o.metadata.name}`;
        expect([where, podSpec(o).securityContext?.runAsNonRoot]).toEqual([where, true]);
        for (const c of podSpec(o).containers) {
          expect([where, c.securityContext?.readOnlyRootFilesystem, c.securityContext?.allowPrivilegeEscalation]).toEqual([where, true, false]);
          expect([where, c.resources?.limits?.memory]).toEqual([where, expect.anything()]);
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// alga-license
// ---------------------------------------------------------------------------------------------------
/** Every variable the API container gets: env names, and the keys of the ConfigMaps/Secrets it loads whole. */
function apiEnvironment(r: Rendered): Map<string, string | { secretKeyRef: { name: string; key: string } }> {
  const c = container(must(r.find("Deployment"), "Deployment"), "api");
  const out = new Map<string, any>();
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const source = r.objects.find((o) => o.kind === (from.configMapRef ? "ConfigMap" : "Secret") && o.metadata.name === ref.name);
    for (const [k, v] of Object.entries({ ...(source?.data ?? {}), ...(source?.stringData ?? {}) })) out.set(k, v);
  }
  for (const e of c.env ?? []) out.set(e.name, e.value ?? e.valueFrom);
  return out;
}

/** The backticked variable names of the "Configuration" table of docs/OPERATIONS.md. */
function readmeSettings(): string[] {
  const doc = readFileSync("docs/OPERATIONS.md", "utf8");
  const start = doc.indexOf("\n## Configuration\n");
  if (start < 0) throw new Error("docs/OPERATIONS.md has no Configuration section");
  const section = doc.slice(start + 1);
  const table = section.slice(0, section.search(/\n#{2,3} /) > 0 ? section.search(/\n#{2,3} /) : undefined);
  const names = new Set<string>();
  for (const line of table.split("\n").filter((l) => l.startsWith("| `"))) {
    for (const m of line.split("|")[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(m[1]!);
  }
  return [...names];
}
/** Settings the API gains alongside this chart work; their README rows follow. */
const NEW_SETTINGS = [
  "REPLICATED",
  "METRICS_PORT",
  "INTROSPECTION",
  "DATABASE_POOL_SIZE",
  "DATABASE_POOL_TIMEOUT_MS",
  "SHUTDOWN_TIMEOUT_MS",
  "MAX_INFLIGHT_REQUESTS",
  "GRAPHQL_MAX_TOKENS",
  "GRAPHQL_MAX_BREADTH",
  "MAIL_RETRY_MAX_SECONDS",
  "STRIPE_WEBHOOK_SECRET",
  "STRIPE_PRICE_EDITIONS",
  "ENTITLEMENT_GRACE_SECONDS",
  "SEAT_OVERFLOW",
  "STRIPE_API_KEY",
  "STRIPE_API_URL",
  "STRIPE_API_TIMEOUT_MS",
];

describe("alga-license: every API setting is reachable through values", () => {
  it("every variable of the Configuration table (docs/OPERATIONS.md) and every new setting reaches the API container", () => {
    const fromReadme = readmeSettings();
    expect(fromReadme.length).toBeGreaterThanOrEqual(30);
    expect(fromReadme).toEqual(expect.arrayContaining(["DATABASE_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY", "METRICS_ENABLED"]));
    const env = apiEnvironment(rendered("alga-license ci/production"));
    const missing = [...new Set([...fromReadme, ...NEW_SETTINGS])].filter((v) => !env.has(v));
    expect(missing).toEqual([]);
  });

  it("each config.* and secrets.* value lands in the variable its schema description names", () => {
    const schema = JSON.parse(read("alga-license", "values.schema.json")) as Schema;
    const values = parse(read("alga-license", PROD)) as Record<string, any>;
    const r = rendered("alga-license ci/production");
    const cm = must(r.find("ConfigMap"), "ConfigMap").data as Record<string, string>;
    const secret = must(r.find("Secret"), "Secret").stringData as Record<string, string>;
    let checked = 0;
    for (const top of ["config", "secrets"] as const) {
      for (const [leaf, v] of leaves(values[top])) {
        let s: Schema | undefined = schema.properties![top];
        for (const part of leaf.split(".")) s = s?.properties?.[part];
        const variable = /^([A-Z][A-Z0-9_]+)/.exec(s?.description ?? "")?.[1];
        if (!variable) continue; // existingSecret, create
        const actual = top === "config" ? cm[variable] : secret[variable];
        expect([`${top}.${leaf}`, variable, actual]).toEqual([`${top}.${leaf}`, variable, String(v)]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it("renders numbers as plain decimals (YAML numbers reach templates as floats: no 1.2096e+06)", () => {
    const cm = must(rendered("readme install (existingSecret, defaults)").find("ConfigMap"), "ConfigMap");
    expect(cm.data.INSTALL_CODE_TTL_SECONDS).toBe("1209600");
    expect(cm.data.ENTITLEMENT_GRACE_SECONDS).toBe("1209600");
    for (const [k, v] of Object.entries(cm.data as Record<string, string>)) expect([k, /^\d+(\.\d+)?e[+-]\d+$/i.test(v)]).toEqual([k, false]);
  });

  it("secret settings come from the chart's Secret or from secrets.existingSecret; extraEnv wins over both", () => {
    const own = apiEnvironment(rendered("alga-license ci/production"));
    expect(own.get("SERVER_SECRET")).toEqual({ secretKeyRef: { name: "rel-alga-license-secrets", key: "SERVER_SECRET" } });
    expect(own.get("STRIPE_WEBHOOK_SECRET")).toEqual({ secretKeyRef: { name: "rel-alga-license-secrets", key: "STRIPE_WEBHOOK_SECRET", optional: true } });
    expect(own.get("STRIPE_API_KEY")).toEqual({ secretKeyRef: { name: "rel-alga-license-secrets", key: "STRIPE_API_KEY", optional: true } });
    const r = rendered("existingSecret instead of values");
    expect(r.find("Secret")).toBeUndefined();
    const env = apiEnvironment(r);
    for (const key of [
      "DATABASE_URL",
      "SERVER_SECRET",
      "S3_ACCESS_KEY",
      "S3_SECRET_KEY",
      "SMTP_URL",
      "LICENSE_SIGNING_KEYS",
      "STRIPE_WEBHOOK_SECRET",
      "STRIPE_API_KEY",
    ]) {
      expect((env.get(key) as any).secretKeyRef).toMatchObject({ name: "managed-elsewhere", key });
    }
    const c = container(must(r.find("Deployment"), "Deployment"));
    const names = (c.env as any[]).map((e) => e.name);
    expect(names.slice(-2)).toEqual(["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS"]); // after the chart's own
    expect(c.envFrom.at(-1)).toEqual({ configMapRef: { name: "alga-license-site-settings", optional: true } });
    expect(c.volumeMounts).toContainEqual({ name: "database-ca", mountPath: "/etc/alga/ca", readOnly: true });
    expect(podSpec(must(r.find("Deployment"), "Deployment")).volumes).toContainEqual({ name: "database-ca", configMap: { name: "database-ca" } });
    // the migration Job gets the same extras (e.g. the database CA), but not the ConfigMap: it runs before it exists
    const mig = container(must(r.find("Job", "-migrate"), "migration Job"));
    expect(mig.envFrom).toEqual([{ configMapRef: { name: "alga-license-site-settings", optional: true } }]);
    expect(mig.volumeMounts).toContainEqual({ name: "database-ca", mountPath: "/etc/alga/ca", readOnly: true });
    expect((mig.env as any[]).map((e) => e.name)).toEqual(expect.arrayContaining(["DATABASE_URL", "NODE_EXTRA_CA_CERTS"]));
  });
});

describe("alga-license: replicas, metrics, introspection", () => {
  const cm = (label: string) => must(rendered(label).find("ConfigMap"), "ConfigMap").data as Record<string, string>;

  it("REPLICATED is true with autoscaling or more than one replica, and only then is there a PDB", () => {
    expect(cm("alga-license ci/production").REPLICATED).toBe("true");
    expect(cm("alga-license ci/existing-secret").REPLICATED).toBe("true");
    expect(cm("HPA off, 4 replicas").REPLICATED).toBe("true");
    expect(cm("single replica, all secrets").REPLICATED).toBe("false");
    expect(cm("alga-license ci/demo").REPLICATED).toBe("false");
    expect(rendered("alga-license ci/production").find("PodDisruptionBudget")?.spec).toMatchObject({ minAvailable: 2 });
    expect(rendered("single replica, all secrets").find("PodDisruptionBudget")).toBeUndefined();
    expect(rendered("PDB off").find("PodDisruptionBudget")).toBeUndefined();
  });

  it("the HPA owns the replica count when on; replicaCount sets it when off", () => {
    const r = rendered("alga-license ci/production");
    expect(r.find("HorizontalPodAutoscaler")?.spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 10,
      scaleTargetRef: { kind: "Deployment", name: "rel-alga-license" },
    });
    expect(r.find("Deployment")?.spec.replicas).toBeUndefined();
    const off = rendered("HPA off, 4 replicas");
    expect(off.find("HorizontalPodAutoscaler")).toBeUndefined();
    expect(off.find("Deployment")?.spec.replicas).toBe(4);
  });

  it("/metrics has its own port, scraped by the ServiceMonitor and never routed by the Ingress", () => {
    const r = rendered("alga-license ci/production");
    expect(cm("alga-license ci/production").METRICS_PORT).toBe("9090");
    expect(container(must(r.find("Deployment"), "Deployment")).ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
    expect(r.find("Service")?.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([
      ["http", 80, "http"],
      ["metrics", 9090, "metrics"],
    ]);
    expect(r.find("ServiceMonitor")?.spec.endpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "15s", scrapeTimeout: "10s" }]);
    expect(r.find("ServiceMonitor")?.metadata.labels).toMatchObject({ release: "kube-prometheus-stack" });
    const backends = r.find("Ingress")!.spec.rules.flatMap((rule: any) => rule.http.paths.map((p: any) => p.backend.service.port));
    expect(backends).toEqual([{ name: "http" }]);

    const main = rendered("metrics on the main port");
    expect(cm("metrics on the main port").METRICS_PORT).toBeUndefined();
    expect(main.find("Service")?.spec.ports.map((p: any) => p.name)).toEqual(["http"]);
    expect(main.find("ServiceMonitor")?.spec.endpoints[0].port).toBe("http");
    expect(rendered("metrics disabled").find("ServiceMonitor")).toBeUndefined();
    expect(rendered("metrics disabled").find("Service")?.spec.ports).toHaveLength(1);
    expect(rendered("ServiceMonitor off").find("ServiceMonitor")).toBeUndefined();
  });

  it("introspection defaults to authenticated (off the public path)", () => {
    expect(cm("readme install (existingSecret, defaults)").INTROSPECTION).toBe("authenticated");
    const values = parse(read("alga-license", "values.yaml"));
    expect(values.config.introspection).toBe("authenticated");
  });

  it("the pod's grace period outlasts SHUTDOWN_TIMEOUT_MS", () => {
    for (const label of casesOf("alga-license")) {
      const dep = must(rendered(label).find("Deployment"), "Deployment");
      const timeout = Number(apiEnvironment(rendered(label)).get("SHUTDOWN_TIMEOUT_MS"));
      expect([label, podSpec(dep).terminationGracePeriodSeconds * 1000 > timeout]).toEqual([label, true]);
    }
  });
});

describe("alga-license: toggles", () => {
  it("Ingress with TLS, without TLS, or none", () => {
    const tls = rendered("alga-license ci/production").find("Ingress")!;
    expect(tls.spec).toMatchObject({ ingressClassName: "nginx", tls: [{ hosts: ["license.alga.example"], secretName: "license-alga-example-tls" }] });
    // the production example buffers request bodies at the ingress and limits connections per client (charts/alga-license/README.md: "Slow clients")
    expect(tls.metadata.annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt",
      "nginx.ingress.kubernetes.io/proxy-request-buffering": "on",
      "nginx.ingress.kubernetes.io/proxy-body-size": "200k",
      "nginx.ingress.kubernetes.io/limit-connections": "32",
    });
    expect(rendered("ingress without TLS").find("Ingress")!.spec.tls).toBeUndefined();
    expect(rendered("ingress off").find("Ingress")).toBeUndefined();
  });

  it("ServiceAccount created (token not mounted), or an existing/default one", () => {
    const r = rendered("alga-license ci/production");
    expect(r.find("ServiceAccount")).toMatchObject({
      automountServiceAccountToken: false,
      metadata: { annotations: { "eks.amazonaws.com/role-arn": expect.any(String) } },
    });
    expect(podSpec(r.find("Deployment")!).serviceAccountName).toBe("rel-alga-license");
    const none = rendered("ServiceAccount not created");
    expect(none.find("ServiceAccount")).toBeUndefined();
    expect(podSpec(none.find("Deployment")!).serviceAccountName).toBe("default");
    const existing = rendered("alga-license ci/existing-secret");
    expect(podSpec(existing.find("Deployment")!).serviceAccountName).toBe("alga-license");
    expect(podSpec(existing.find("Job", "-migrate")!).serviceAccountName).toBe("alga-license");
  });

  it("migrations: a pre-install/pre-upgrade hook running npm run db:migrate after the Secret, or MIGRATE_ON_START", () => {
    const r = rendered("alga-license ci/production");
    const job = must(r.find("Job", "-migrate"), "migration Job");
    expect(job.metadata.annotations).toMatchObject({ "helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": "0" });
    expect(r.find("Secret")!.metadata.annotations).toMatchObject({ "helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": "-10" });
    expect(container(job).command).toEqual(["npm", "run", "db:migrate"]);
    // a ServiceAccount the chart creates does not exist yet when pre-install hooks run
    expect(podSpec(job).serviceAccountName).toBeUndefined();
    expect(r.find("ConfigMap")!.data.MIGRATE_ON_START).toBe("false");
    const off = rendered("migrations off");
    expect(off.find("Job", "-migrate")).toBeUndefined();
    expect(off.find("ConfigMap")!.data.MIGRATE_ON_START).toBe("true");
  });

  it("probes /healthz and /readyz; restarts on config or secret changes", () => {
    const dep = rendered("alga-license ci/production").find("Deployment")!;
    const c = container(dep);
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    // readiness waits longer than the API's own database probe (DATABASE_PROBE_TIMEOUT_MS 1000 ms): a
    // slow path fails it only when the database does; liveness tolerates a busy event loop
    expect(c.readinessProbe.timeoutSeconds).toBe(3);
    expect(c.livenessProbe.timeoutSeconds).toBeGreaterThan(c.readinessProbe.timeoutSeconds);
    expect(dep.spec.template.metadata.annotations).toMatchObject({
      "checksum/config": expect.stringMatching(/^[0-9a-f]{64}$/),
      "checksum/secret": expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it("helm test: a hook pod that calls /healthz, /readyz and the JWKS through the Service, or none", () => {
    const pod = must(rendered("alga-license ci/production").find("Pod", "-test-connection"), "test pod");
    expect(pod.metadata.annotations?.["helm.sh/hook"]).toBe("test");
    const c = container(pod);
    expect(envValue(c, "BASE_URL").value).toBe("http://rel-alga-license.alga.svc:80");
    expect(c.image).toBe("ghcr.io/alga/alga-license-api:1.2.3");
    const script = c.command.join(" ");
    for (const p of ["/healthz", "/readyz", "/.well-known/jwks.json"]) expect(script).toContain(p);
    expect(rendered("helm test off").find("Pod")).toBeUndefined();
  });

  it("a 53-character release name still yields valid names (checked for all objects above)", () => {
    const r = rendered("alga-license long release name");
    expect(r.find("Job", "-migrate")!.metadata.name).toHaveLength(63);
  });
});

describe("alga-license: refuses dangerous configurations at render time", () => {
  const refusal = (values: Record<string, unknown>, files: string[] = []) => {
    const r = templateRaw("alga-license", { values, valuesFiles: files });
    expect([r.code === 0, r.stdout.length]).toEqual([false, 0]);
    return r.stderr;
  };
  const replicatedBase = { replicaCount: 2, autoscaling: { enabled: false } };

  it("the defaults alone (a replicated release) name every shared setting to set", () => {
    const msg = refusal({});
    expect(msg).toContain("a replicated release");
    for (const v of ["secrets.databaseUrl", "secrets.serverSecret", "secrets.licenseSigningKeys", "secrets.smtpUrl", "secrets.s3AccessKey"])
      expect(msg).toContain(v);
    expect(msg).toContain("secrets.existingSecret");
  });

  it.each([
    ["licenseSigningKeys", "secrets.licenseSigningKeys"],
    ["smtpUrl", "secrets.smtpUrl"],
    ["serverSecret", "secrets.serverSecret"],
  ])("replicated without secrets.%s", (key, named) => {
    const msg = refusal({ ...replicatedBase, secrets: { ...SECRETS, [key]: "" } });
    expect(msg).toContain("a replicated release");
    expect(msg).toContain(named);
    for (const other of ["secrets.licenseSigningKeys", "secrets.smtpUrl", "secrets.serverSecret"].filter((o) => o !== named)) expect(msg).not.toContain(other);
  });

  it("autoscaling counts as replicated even with replicaCount 1", () => {
    expect(refusal({ replicaCount: 1, autoscaling: { enabled: true }, secrets: { ...SECRETS, smtpUrl: "" } })).toContain("secrets.smtpUrl");
  });

  it("replicated without S3 (download links would come from each pod's own empty folder)", () => {
    expect(refusal({ ...replicatedBase, secrets: SECRETS, config: { s3: { endpoint: "" } } })).toContain("config.s3.endpoint");
    expect(refusal({ ...replicatedBase, secrets: { ...SECRETS, s3SecretKey: "" } })).toContain("secrets.s3AccessKey and secrets.s3SecretKey");
  });

  it("with secrets.existingSecret nothing secret is required (the API checks: REPLICATED=true), but S3 still is", () => {
    const r = rendered("alga-license ci/existing-secret");
    expect(r.find("ConfigMap")!.data.REPLICATED).toBe("true");
    expect(refusal({ ...replicatedBase, secrets: { existingSecret: "s" }, config: { s3: { endpoint: "" } } })).toContain("config.s3.endpoint");
  });

  it("a single replica without signing keys or SMTP needs demo.allowLocalDefaults", () => {
    const single = { replicaCount: 1, autoscaling: { enabled: false } };
    const msg = refusal({ ...single, secrets: { ...SECRETS, licenseSigningKeys: "", smtpUrl: "" } });
    expect(msg).toContain("demo.allowLocalDefaults=true");
    expect(msg).toContain("secrets.licenseSigningKeys");
    expect(msg).toContain("secrets.smtpUrl");
    expect(msg).not.toContain("a replicated release");
    expect(refusal({ ...single, secrets: { ...SECRETS, smtpUrl: "" } })).toContain("demo.allowLocalDefaults");
    expect(rendered("alga-license ci/demo").find("Deployment")).toBeDefined();
  });

  it("a short SERVER_SECRET, and values the schema refuses", () => {
    expect(refusal({ replicaCount: 1, autoscaling: { enabled: false }, secrets: { ...SECRETS, serverSecret: "short" } })).toContain("at least 32 characters");
    for (const [values, field] of [
      [{ config: { introspection: "sometimes" } }, "introspection"],
      [{ config: { metricsPort: 8080 } }, "metricsPort"],
      [{ config: { seatOverflow: "evict" } }, "seatOverflow"],
      [{ config: { stripePriceEditions: "price_1:PRO" } }, "stripePriceEditions"],
      [{ config: { stripeApiUrl: "https://api.stripe.com/v1" } }, "stripeApiUrl"],
      [{ config: { stripeApiTimeoutMs: 10 } }, "stripeApiTimeoutMs"],
      [{ extraEnv: [{ value: "x" }] }, "extraEnv"],
    ] as const) {
      const r = templateRaw("alga-license", { valuesFiles: [PROD], values });
      expect([field, r.code === 0, r.stderr.includes(field)]).toEqual([field, false, true]);
    }
  });
});

describe("alga-license: NOTES.txt", () => {
  it("names the real URL and namespace, and how to test", () => {
    const text = notes("alga-license", { release: "lic", namespace: "licensing", valuesFiles: [PROD] });
    expect(text).toContain("deployed as lic-alga-license in namespace licensing");
    expect(text).toContain("https://license.alga.example/graphql");
    expect(text).toContain("kubectl -n licensing exec deploy/lic-alga-license");
    expect(text).toContain("REPLICATED=true");
    expect(text).toContain('port "metrics" (9090)');
    expect(text).toContain("helm test lic -n licensing");
    expect(text).not.toMatch(/<no value>|%!/);
  });

  it("without an Ingress: a port-forward; a demo: the warning", () => {
    const text = notes("alga-license", { namespace: "demo", valuesFiles: ["ci/demo-values.yaml"] });
    expect(text).toContain("kubectl -n demo port-forward svc/rel-alga-license 8080:80");
    expect(text).toContain("DEMO ONLY");
    expect(text).toContain("/metrics on the main port");
    expect(text).not.toMatch(/<no value>|%!/);
  });
});

// ---------------------------------------------------------------------------------------------------
// appliance
// ---------------------------------------------------------------------------------------------------
describe("appliance: the seed Secret contract with the wizard", () => {
  const values = parse(read("appliance", "values.yaml"));
  const job = () => must(rendered("appliance defaults").find("Job", "-bootstrap"), "bootstrap Job");

  it("the Secret names default to the ones the wizard writes", () => {
    expect(values.seedSecrets).toEqual({ initialTenant: INITIAL_TENANT_SECRET, licenseSeed: LICENSE_SEED_SECRET });
  });

  it("the bootstrap reads exactly the keys the wizard writes, from the right Secret, into same-named variables", () => {
    const refs = (container(job()).env as any[]).filter((e) => e.valueFrom?.secretKeyRef && e.name !== "APPLIANCE_DATABASE_URL");
    const written = [
      ...Object.values(INITIAL_TENANT_KEYS).map((k) => `${INITIAL_TENANT_SECRET}/${k}`),
      ...Object.values(LICENSE_SEED_KEYS).map((k) => `${LICENSE_SEED_SECRET}/${k}`),
    ];
    expect(refs.map((e) => `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`).sort()).toEqual(written.sort());
    for (const e of refs) expect(e.name).toBe(e.valueFrom.secretKeyRef.key);
    // the password may be gone on later runs (cleared after the first bootstrap); EDITION never is
    expect(refs.find((e) => e.name === INITIAL_TENANT_KEYS.adminPassword).valueFrom.secretKeyRef.optional).toBe(true);
    expect(refs.find((e) => e.name === LICENSE_SEED_KEYS.edition).valueFrom.secretKeyRef.optional).toBeUndefined();
  });

  it("create-tenant runs as a re-runnable post-install/post-upgrade hook without a ServiceAccount token", () => {
    expect(container(job()).command).toEqual(["alga-create-tenant"]);
    expect(job().metadata.annotations).toMatchObject({ "helm.sh/hook": "post-install,post-upgrade", "helm.sh/hook-weight": "0" });
    expect(podSpec(job()).automountServiceAccountToken).toBe(false);
  });
});

describe("appliance: clearing the admin's initial password after the bootstrap", () => {
  const r = () => rendered("appliance defaults");

  it("a hook Job after the bootstrap patches the Secret: removes the key and kubectl's last-applied copy", () => {
    const job = must(r().find("Job", "-clear-admin-password"), "clear Job");
    const bootstrap = must(r().find("Job", "-bootstrap"), "bootstrap Job");
    expect(job.metadata.annotations?.["helm.sh/hook"]).toBe(bootstrap.metadata.annotations?.["helm.sh/hook"]);
    expect(Number(job.metadata.annotations?.["helm.sh/hook-weight"])).toBeGreaterThan(Number(bootstrap.metadata.annotations?.["helm.sh/hook-weight"]));
    const c = container(job);
    expect(c.image).toBe("registry.k8s.io/kubectl:v1.34.1");
    expect(c.command).toEqual(["kubectl"]);
    expect(c.args.slice(0, 3)).toEqual(["patch", "secret", INITIAL_TENANT_SECRET]);
    expect(c.args).toContain("--namespace=alga");
    expect(c.args).toContain("--type=merge");
    const patch = JSON.parse(c.args.find((a: string) => a.startsWith("--patch=")).slice("--patch=".length));
    expect(patch).toEqual({
      data: { [INITIAL_TENANT_KEYS.adminPassword]: null },
      metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": null } },
    });
    expect(podSpec(job).serviceAccountName).toBe("rel-appliance-clear-admin-password");
    expect(podSpec(job).automountServiceAccountToken).toBe(true);
  });

  it("its ServiceAccount may get and patch that one Secret, nothing else", () => {
    const role = must(r().find("Role"), "Role");
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["secrets"], resourceNames: [INITIAL_TENANT_SECRET], verbs: ["get", "patch"] }]);
    expect(r().find("RoleBinding")).toMatchObject({
      roleRef: { kind: "Role", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: "rel-appliance-clear-admin-password", namespace: "alga" }],
    });
    expect(r().all("Role")).toHaveLength(1);
    expect(r().all("RoleBinding")).toHaveLength(1);
  });

  it("the kubectl image is configurable; off, or without a bootstrap, there is no Job and no RBAC", () => {
    expect(container(rendered("appliance ci/production").find("Job", "-clear-admin-password")!).image).toBe("registry.appliance.local/mirror/kubectl:v1.34.1");
    for (const label of ["appliance ci/bootstrap-only", "appliance bootstrap off"]) {
      const off = rendered(label);
      expect([label, off.find("Job", "-clear-admin-password"), off.find("Role"), off.find("RoleBinding"), off.find("ServiceAccount")]).toEqual([
        label,
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    }
    expect(rendered("appliance ci/bootstrap-only").find("Job", "-bootstrap")).toBeDefined();
    expect(rendered("appliance bootstrap off").find("Job")).toBeUndefined();
  });
});

describe("appliance: the check-in schedule", () => {
  const schedule = (o: RenderOptions) => template("appliance", o).find("CronJob")!.spec.schedule as string;

  it("without checkIn.schedule: a daily minute and hour derived from the install, the same every time", () => {
    const a = rendered("appliance defaults").find("CronJob")!.spec.schedule as string;
    expect(a).toMatch(/^([0-9]|[1-5][0-9]) ([0-9]|1[0-9]|2[0-3]) \* \* \*$/);
    expect(schedule({})).toBe(a); // same release, same namespace: same time
    expect(schedule({ release: "other" })).not.toBe(a);
    expect(schedule({ namespace: "elsewhere" })).not.toBe(a);
    expect(schedule({ values: { checkIn: { spreadKey: "appliance-42" } } })).not.toBe(a);
  });

  it("spreads installs over the day (20 appliances, 20 different times)", () => {
    const times = new Set(Array.from({ length: 20 }, (_, i) => schedule({ values: { checkIn: { spreadKey: `appliance-${i}` } } })));
    expect(times.size).toBeGreaterThanOrEqual(19);
    const hours = new Set([...times].map((t) => t.split(" ")[1]));
    expect(hours.size).toBeGreaterThanOrEqual(8);
  });

  it("an explicit schedule wins; the CronJob never overlaps and keeps history", () => {
    const cron = rendered("appliance explicit schedule").find("CronJob")!;
    expect(cron.spec).toMatchObject({ schedule: "5 4 * * 1", concurrencyPolicy: "Forbid", successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 5 });
    expect(container(cron).command).toEqual(["alga-check-in"]);
    expect(rendered("appliance ci/production").find("CronJob")!.spec.timeZone).toBe("Europe/Berlin");
    expect(rendered("appliance ci/bootstrap-only").find("CronJob")).toBeUndefined();
  });

  it("a 53-character release name still gives a CronJob name within 52 characters", () => {
    expect(rendered("appliance long release name").find("CronJob")!.metadata.name.length).toBeLessThanOrEqual(52);
  });
});

describe("appliance: extras, helm test, NOTES", () => {
  it("extraEnv, extraEnvFrom and extra volumes reach every appliance-tools container", () => {
    const r = rendered("appliance ci/production");
    for (const o of [r.find("Job", "-bootstrap")!, r.find("CronJob")!, r.find("Pod")!]) {
      const c = container(o);
      expect([o.kind, (c.env as any[]).at(-1)]).toEqual([o.kind, { name: "NODE_EXTRA_CA_CERTS", value: "/etc/alga/ca/ca.crt" }]);
      expect([o.kind, c.envFrom]).toEqual([o.kind, [{ secretRef: { name: "appliance-proxy", optional: true } }]]);
      expect([o.kind, c.volumeMounts]).toEqual([
        o.kind,
        [
          { name: "tmp", mountPath: "/tmp" },
          { name: "corporate-ca", mountPath: "/etc/alga/ca", readOnly: true },
        ],
      ]);
      expect([o.kind, podSpec(o).volumes.map((v: any) => v.name)]).toEqual([o.kind, ["tmp", "corporate-ca"]]);
      expect([o.kind, envValue(c, "APPLIANCE_DATABASE_URL").valueFrom.secretKeyRef]).toEqual([o.kind, { name: "appliance-postgres", key: "url" }]);
    }
  });

  it("helm test runs one check-in with the CronJob's environment", () => {
    const r = rendered("appliance defaults");
    const pod = must(r.find("Pod"), "test pod");
    expect(pod.metadata.annotations?.["helm.sh/hook"]).toBe("test");
    expect(container(pod).command).toEqual(["alga-check-in"]);
    expect(container(pod).args).toEqual(["--no-spread"]); // now, not in the appliance's spread slot
    expect(container(pod).env).toEqual(container(r.find("CronJob")!).env);
    expect(envValue(container(r.find("CronJob")!), "ALGA_CHECKIN_SPREAD_SECONDS").value).toBe("3600");
    expect(rendered("appliance ci/bootstrap-only").find("Pod")).toBeUndefined();
  });

  it("NOTES.txt names the namespace, the Jobs, the schedule and the password clearing", () => {
    const text = notes("appliance", { release: "box", namespace: "alga-system" });
    const cron = template("appliance", { release: "box", namespace: "alga-system" }).find("CronJob")!;
    expect(text).toContain("installed as box-appliance in namespace alga-system");
    expect(text).toContain("kubectl -n alga-system logs job/box-appliance-bootstrap");
    expect(text).toContain(`runs "${cron.spec.schedule}"`);
    expect(text).toContain("INITIAL_ADMIN_PASSWORD is removed");
    expect(text).toContain("create job --from=cronjob/box-appliance-check-in");
    expect(text).not.toMatch(/<no value>|%!/);
    expect(notes("appliance", { valuesFiles: ["ci/bootstrap-only-values.yaml"] })).toContain("delete it once");
  });
});

// ---------------------------------------------------------------------------------------------------
// Dockerfiles (static; `npm run test:images` builds them with buildah and runs the charts' commands)
// ---------------------------------------------------------------------------------------------------
describe("Dockerfiles", () => {
  const parseDockerfile = (file: string) =>
    readFileSync(file, "utf8")
      .replace(/\\\n/g, " ")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => {
        const [instr, ...rest] = l.split(/\s+/);
        return { instr: instr!.toUpperCase(), args: rest.join(" ") };
      });

  it.each(["api/Dockerfile", "setup-tui/Dockerfile"])("%s: non-root, production dependencies only, sources that exist", (file) => {
    const lines = parseDockerfile(file);
    const stages = lines.filter((l) => l.instr === "FROM");
    expect(stages.length).toBeGreaterThanOrEqual(1);
    const finalStage = lines.slice(lines.lastIndexOf(stages.at(-1)!));
    expect(finalStage.find((l) => l.instr === "USER")?.args).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(finalStage.some((l) => l.instr === "RUN" && l.args.includes("npm ci --omit=dev"))).toBe(true);
    expect(finalStage.some((l) => l.instr === "CMD" || l.instr === "ENTRYPOINT")).toBe(true);
    for (const l of lines.filter((x) => x.instr === "COPY" && !x.args.startsWith("--from"))) {
      const sources = l.args.split(/\s+/).slice(0, -1);
      for (const s of sources) expect([s, existsSync(s.replace(/\/$/, ""))]).toEqual([s, true]);
    }
    expect(lines.some((l) => /curl|wget|binaries\.prisma/.test(l.args))).toBe(false);
    // compiled JavaScript in production: no tsx, and npm ci never runs the build (postinstall) there
    expect(finalStage.some((l) => /\btsx\b/.test(l.args))).toBe(false);
    for (const l of lines.filter((x) => x.instr === "RUN" && x.args.includes("npm ci"))) expect(l.args).toContain("--ignore-scripts");
  });

  it("the tools image copies setup-tui/bin/ before its npm ci: npm links a bin only when its file exists", () => {
    const runtime = parseDockerfile("setup-tui/Dockerfile").filter((l, i, all) => i >= all.findLastIndex((x) => x.instr === "FROM"));
    const bin = runtime.findIndex((l) => l.instr === "COPY" && l.args === "setup-tui/bin/ setup-tui/bin/");
    const install = runtime.findIndex((l) => l.instr === "RUN" && l.args.includes("npm ci"));
    expect(bin).toBeGreaterThan(-1);
    expect(bin).toBeLessThan(install);
  });

  it("the API image runs api/dist/main.js", () => {
    const cmd = parseDockerfile("api/Dockerfile")
      .filter((l) => l.instr === "CMD")
      .at(-1)!;
    expect(JSON.parse(cmd.args)).toEqual(["node", "api/dist/main.js"]);
  });

  it("the API image is multi-stage and generates the Prisma client at build time", () => {
    const lines = parseDockerfile("api/Dockerfile");
    expect(lines.filter((l) => l.instr === "FROM")).toHaveLength(2);
    expect(lines.some((l) => l.instr === "RUN" && l.args.includes("npm run generate"))).toBe(true);
    const schema = readFileSync("prisma/schema.prisma", "utf8");
    expect(schema).toMatch(/engineType\s+= "client"/);
  });
});
