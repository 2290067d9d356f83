// What can be checked without helm: values against their schema, every .Values path used by a template
// exists in values.yaml and the schema, Chart.yaml fields, the appliance chart reads exactly the seed
// Secrets and keys the wizard writes, and the Dockerfiles' shape.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import * as addFormatsModule from "ajv-formats";
import { parse } from "yaml";
import { INITIAL_TENANT_KEYS, INITIAL_TENANT_SECRET, LICENSE_SEED_KEYS, LICENSE_SEED_SECRET } from "../contract/src/seeds.js";

const CHARTS = ["alga-license", "appliance"];
const chartDir = (c: string) => path.join(process.cwd(), "charts", c);
const read = (c: string, f: string) => readFileSync(path.join(chartDir(c), f), "utf8");
const templates = (c: string) =>
  readdirSync(path.join(chartDir(c), "templates")).map((f) => ({ file: f, text: read(c, `templates/${f}`) }));

type Schema = { properties?: Record<string, Schema>; type?: string | string[]; additionalProperties?: unknown };

describe.each(CHARTS)("chart %s", (chart) => {
  const values = parse(read(chart, "values.yaml")) as Record<string, unknown>;
  const schema = JSON.parse(read(chart, "values.schema.json")) as Schema;

  it("Chart.yaml is a valid v2 application chart", () => {
    const meta = parse(read(chart, "Chart.yaml"));
    expect(meta).toMatchObject({ apiVersion: "v2", name: chart, type: "application" });
    expect(meta.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
    expect(typeof meta.appVersion).toBe("string");
    expect(meta.description).toBeTruthy();
  });

  it("values.yaml validates against values.schema.json, and the schema rejects mistakes", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    // a CommonJS module: its default export sits on .default when imported from ESM
    const addFormats = addFormatsModule.default as unknown as (a: Ajv) => Ajv;
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(values) ? [] : validate.errors).toEqual([]);
    expect(validate({ ...values, imagee: {} })).toBe(false); // a typo is refused
    expect(validate({ ...values, podSecurityContext: { runAsNonRoot: false } })).toBe(false);
  });

  it("every .Values path used in the templates exists in values.yaml and in the schema", () => {
    const used = new Set<string>();
    for (const { text } of templates(chart)) for (const m of text.matchAll(/\$?\.Values\.([A-Za-z0-9_.]+)/g)) used.add(m[1]!);
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

  it("documents every value in its README", () => {
    const readme = read(chart, "README.md");
    const leaves: string[] = [];
    const walk = (v: unknown, p: string) => {
      if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length) {
        for (const [k, sub] of Object.entries(v)) walk(sub, p ? `${p}.${k}` : k);
      } else leaves.push(p);
    };
    walk(values, "");
    for (const leaf of leaves) expect([leaf, readme.includes(`\`${leaf}\``)]).toEqual([leaf, true]);
  });

  it("uses _helpers.tpl names and app.kubernetes.io labels everywhere", () => {
    expect(read(chart, "templates/_helpers.tpl")).toContain("app.kubernetes.io/name");
    for (const { file, text } of templates(chart)) {
      if (!file.endsWith(".yaml")) continue;
      expect([file, /include "[a-z-]+\.labels"/.test(text)]).toEqual([file, true]);
    }
  });

  it("runs as non-root with a read-only root filesystem by default", () => {
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true });
    expect(values.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });
});

describe("alga-license chart", () => {
  const t = Object.fromEntries(templates("alga-license").map(({ file, text }) => [file, text]));
  it("probes /healthz and /readyz, migrates in a pre-install/pre-upgrade hook, and has HPA, PDB, ServiceMonitor, NOTES", () => {
    expect(t["deployment.yaml"]).toMatch(/livenessProbe:\s+httpGet:\s+path: \/healthz/);
    expect(t["deployment.yaml"]).toMatch(/readinessProbe:\s+httpGet:\s+path: \/readyz/);
    expect(t["deployment.yaml"]).toMatch(/resources:/);
    expect(t["migration-job.yaml"]).toContain("helm.sh/hook: pre-install,pre-upgrade");
    expect(t["migration-job.yaml"]).toContain('command: ["npm", "run", "db:migrate"]');
    expect(t["configmap.yaml"]).toContain("MIGRATE_ON_START");
    expect(t["hpa.yaml"]).toContain("kind: HorizontalPodAutoscaler");
    expect(t["pdb.yaml"]).toContain("kind: PodDisruptionBudget");
    expect(t["servicemonitor.yaml"]).toContain("path: /metrics");
    expect(t["NOTES.txt"]).toContain("api-key -- create --role admin");
    expect(t["NOTES.txt"]).toContain("/playground/");
  });

  it("reads every secret setting from the chart's Secret or an existing one", () => {
    const helpers = read("alga-license", "templates/_helpers.tpl");
    for (const key of ["DATABASE_URL", "SERVER_SECRET", "S3_ACCESS_KEY", "S3_SECRET_KEY", "SMTP_URL", "LICENSE_SIGNING_KEYS"]) {
      expect(helpers).toContain(`key: ${key}`);
    }
    expect(helpers).toContain(".Values.secrets.existingSecret");
  });
});

describe("appliance chart ↔ wizard", () => {
  const values = parse(read("appliance", "values.yaml"));
  const job = read("appliance", "templates/bootstrap-job.yaml");

  it("the Secret names default to the ones the wizard writes", () => {
    expect(values.seedSecrets).toEqual({ initialTenant: INITIAL_TENANT_SECRET, licenseSeed: LICENSE_SEED_SECRET });
  });

  it("the bootstrap reads exactly the keys the wizard writes, from the right Secret", () => {
    const refs = [...job.matchAll(/name: \{\{ \.Values\.seedSecrets\.(\w+) \}\}\s+key: (\w+)/g)].map(([, secret, key]) => `${values.seedSecrets[secret!]}/${key}`);
    const written = [
      ...Object.values(INITIAL_TENANT_KEYS).map((k) => `${INITIAL_TENANT_SECRET}/${k}`),
      ...Object.values(LICENSE_SEED_KEYS).map((k) => `${LICENSE_SEED_SECRET}/${k}`),
    ];
    expect(refs.sort()).toEqual(written.sort());
    // and each one lands in the variable create-tenant reads (same name as the key)
    for (const [, name, , key] of job.matchAll(/- name: (\w+)\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: \{\{ \.Values\.seedSecrets\.(\w+) \}\}\n\s+key: (\w+)/g)) {
      expect(name).toBe(key);
    }
  });

  it("runs create-tenant as a re-runnable hook Job and the check-in daily without overlap", () => {
    expect(job).toContain('command: ["alga-create-tenant"]');
    expect(job).toContain("helm.sh/hook: post-install,post-upgrade");
    const cron = read("appliance", "templates/checkin-cronjob.yaml");
    expect(cron).toContain('command: ["alga-check-in"]');
    expect(cron).toContain("concurrencyPolicy: {{ .Values.checkIn.concurrencyPolicy }}");
    expect(values.checkIn).toMatchObject({ concurrencyPolicy: "Forbid", successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 5 });
    expect(values.checkIn.schedule.split(" ")).toHaveLength(5);
    expect(values.checkIn.schedule.split(" ").slice(2)).toEqual(["*", "*", "*"]); // once a day
  });
});

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
  });

  it("the API image is multi-stage and generates the Prisma client at build time", () => {
    const lines = parseDockerfile("api/Dockerfile");
    expect(lines.filter((l) => l.instr === "FROM")).toHaveLength(2);
    expect(lines.some((l) => l.instr === "RUN" && l.args.includes("npm run generate"))).toBe(true);
    const schema = readFileSync("prisma/schema.prisma", "utf8");
    expect(schema).toMatch(/engineType\s+= "client"/);
  });
});
