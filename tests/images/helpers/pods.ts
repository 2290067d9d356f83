// A rendered pod template as a container run (tests/images/helpers/oci.ts), with Kubernetes' rules:
// the command replaces the image's entrypoint (and drops its CMD), env overrides envFrom overrides the
// image's ENV, $(VAR) refers to a variable defined before it, secretKeyRef/configMapKeyRef fail the pod
// unless optional, the pod's or container's runAsUser/runAsGroup/fsGroup and readOnlyRootFilesystem
// apply, an emptyDir is a fresh tmpfs, and Secret/ConfigMap volumes are files.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import type { K8sObject } from "../../helpers/helm.js";
import type { ImageConfig, RunSpec } from "./oci.js";

/** The objects a namespace holds: what the chart rendered plus what the operator created. */
export class Cluster {
  readonly secrets = new Map<string, Record<string, string>>();
  readonly configMaps = new Map<string, Record<string, string>>();

  add(objects: K8sObject[]): this {
    for (const o of objects) {
      if (o.kind === "Secret") {
        const values: Record<string, string> = { ...(o.stringData ?? {}) };
        for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, string>)) values[k] = Buffer.from(v, "base64").toString("utf8");
        this.secrets.set(o.metadata.name, values);
      } else if (o.kind === "ConfigMap") {
        this.configMaps.set(o.metadata.name, { ...(o.data ?? {}) });
      }
    }
    return this;
  }

  /** A Secret manifest written by a tool (e.g. alga-setup --output) */
  addManifest(yaml: string): this {
    return this.add([parse(yaml) as K8sObject]);
  }

  secret(name: string, values: Record<string, string>): this {
    this.secrets.set(name, values);
    return this;
  }
}

const volumeDirs: string[] = [];
/** Removes the folders that held Secret and ConfigMap volumes. */
export function removePodVolumes(): void {
  for (const dir of volumeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const podSpecOf = (o: K8sObject) => (o.kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.kind === "Pod" ? o.spec : o.spec.template.spec);

function lookup(cluster: Cluster, kind: "secret" | "configMap", ref: { name: string; key: string; optional?: boolean }, what: string): string | undefined {
  const source = (kind === "secret" ? cluster.secrets : cluster.configMaps).get(ref.name);
  const value = source?.[ref.key];
  if (value === undefined && !ref.optional) throw new Error(`${what}: ${kind} ${ref.name} has no key ${ref.key} (the pod would not start)`);
  return value;
}

const numberOr = (...values: unknown[]) => values.find((v) => typeof v === "number") as number | undefined;

export interface PodRunOptions {
  container?: string;
  /** replaces a variable after Kubernetes' resolution: what differs on this machine (service names, ports) */
  override?: Record<string, string>;
  namespace?: string;
}

/** The container of a Deployment, Job, CronJob or Pod, as a run of `image` in `cluster`. */
export function podRun(object: K8sObject, image: ImageConfig, cluster: Cluster, o: PodRunOptions = {}): RunSpec {
  const pod = podSpecOf(object);
  const containers = pod.containers as any[];
  const c = o.container ? containers.find((x) => x.name === o.container) : containers[0];
  if (!c) throw new Error(`${object.kind}/${object.metadata.name} has no container ${o.container ?? ""}`);
  const what = `${object.kind}/${object.metadata.name} container ${c.name}`;

  const env: Record<string, string> = {};
  for (const kv of image.Env ?? []) {
    const i = kv.indexOf("=");
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  for (const from of (c.envFrom ?? []) as any[]) {
    const ref = from.configMapRef ?? from.secretRef;
    const source = (from.configMapRef ? cluster.configMaps : cluster.secrets).get(ref.name);
    if (!source && !ref.optional) throw new Error(`${what}: envFrom ${ref.name} does not exist`);
    for (const [k, v] of Object.entries(source ?? {})) env[`${from.prefix ?? ""}${k}`] = v;
  }
  for (const e of (c.env ?? []) as any[]) {
    let value: string | undefined;
    if (e.valueFrom?.secretKeyRef) value = lookup(cluster, "secret", e.valueFrom.secretKeyRef, what);
    else if (e.valueFrom?.configMapKeyRef) value = lookup(cluster, "configMap", e.valueFrom.configMapKeyRef, what);
    else if (e.valueFrom?.fieldRef) {
      const field = e.valueFrom.fieldRef.fieldPath as string;
      value = field === "metadata.namespace" ? (o.namespace ?? "alga") : field === "metadata.name" ? `${object.metadata.name}-pod` : undefined;
      if (value === undefined) throw new Error(`${what}: fieldRef ${field} is not modelled here`);
    } else if (e.valueFrom) throw new Error(`${what}: env ${e.name} from ${Object.keys(e.valueFrom).join()} is not modelled here`);
    else value = String(e.value ?? "").replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);
    if (value !== undefined) env[e.name] = value;
  }
  Object.assign(env, o.override ?? {});

  const argv = c.command ? [...c.command, ...(c.args ?? [])] : [...(image.Entrypoint ?? []), ...(c.args ?? image.Cmd ?? [])];
  const [imageUser, imageGroup] = (image.User ?? "0:0").split(":");
  const sc = c.securityContext ?? {};
  const psc = pod.securityContext ?? {};
  const uid = numberOr(sc.runAsUser, psc.runAsUser) ?? Number(imageUser);
  const gid = numberOr(sc.runAsGroup, psc.runAsGroup) ?? Number(imageGroup ?? imageUser);

  const tmpfs: string[] = [];
  const binds: RunSpec["binds"] = [];
  for (const m of (c.volumeMounts ?? []) as any[]) {
    const v = (pod.volumes as any[]).find((x) => x.name === m.name);
    if (!v) throw new Error(`${what}: volume ${m.name} is not defined`);
    if (v.emptyDir) tmpfs.push(m.mountPath);
    else if (v.secret || v.configMap) {
      const ref = v.secret ? { name: v.secret.secretName, optional: v.secret.optional, items: v.secret.items } : v.configMap;
      const data = (v.secret ? cluster.secrets : cluster.configMaps).get(ref.name);
      if (!data && !ref.optional) throw new Error(`${what}: volume ${m.name} needs ${ref.name}, which does not exist`);
      const dir = mkdtempSync(path.join(os.tmpdir(), "alga-pod-volume-"));
      volumeDirs.push(dir);
      const items: { key: string; path: string }[] = ref.items ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }));
      for (const item of items) writeFileSync(path.join(dir, item.path), data?.[item.key] ?? "", { mode: 0o644 });
      binds.push({ host: dir, target: m.mountPath, readOnly: true });
    } else throw new Error(`${what}: volume ${m.name} (${Object.keys(v).join()}) is not modelled here`);
  }

  return {
    argv,
    env,
    workingDir: c.workingDir ?? image.WorkingDir ?? "/",
    user: `${uid}:${gid}`,
    groups: typeof psc.fsGroup === "number" ? [psc.fsGroup] : undefined,
    readOnlyRoot: sc.readOnlyRootFilesystem === true,
    tmpfs,
    binds,
  };
}
