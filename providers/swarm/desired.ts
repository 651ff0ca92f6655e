import { scryptSync } from "node:crypto";
import { UserError, UserErrors, type Diagnostic } from "../../src/core/errors.js";
import type { Address, Attributes, DesiredResource } from "../../src/core/types.js";
import { canonicalJson, sha256 } from "../../src/core/hash.js";
import { compareAddresses } from "../../src/core/address-order.js";
import { healthcheckAttr } from "../../src/model/desired.js";
import { attachmentsOf } from "../../src/model/networks.js";
import { sensitiveValues } from "../../src/model/sensitive.js";
import { serviceDependencies } from "../../src/template/dependencies.js";
import type { FileDecl, NetworkDecl, ServiceSpec, Template } from "../../src/template/types.js";
import type { FileRefAttr, MountAttr, ServiceAttributes, SwarmFileAttributes, SwarmNetworkAttributes, SwarmPortAttr } from "./attributes.js";
import { readSwarmDeploy, type SwarmDeploy } from "./deploy.js";

/**
 * Template → the swarm resources it asks for: one service per compose service (its replicas are
 * the swarm's tasks), overlay networks, and configs and secrets named after their content.
 * Pure: no engine, no clock. The core's model (src/model) stays the one-engine mapping.
 */
export interface SwarmModelOptions {
  project: string;
  /** The environment the template was interpolated with: secrets taken from it are masked. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Engine settings a swarm task takes (ContainerSpec); any other is refused rather than dropped. */
const TASK_SETTINGS = new Set(["cpus", "mem_limit", "pids_limit", "mem_reservation", "stop_grace_period", "init", "read_only", "stop_signal", "tty", "stdin_open", "cap_add", "cap_drop", "sysctls"]);

export function swarmDesired(template: Template, opts: SwarmModelOptions): DesiredResource[] {
  // Every problem of every service at once, as loading reports them (DESIGN.md: diagnostics).
  const problems: Diagnostic[] = [];
  const deploys = new Map<string, SwarmDeploy>();
  for (const spec of template.services) {
    problems.push(...unsupported(spec));
    try {
      deploys.set(spec.name, readSwarmDeploy(spec));
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problems.push(...(e instanceof UserErrors ? e.diagnostics : [{ severity: "error" as const, code: e.code, message: e.message, where: e.where }]));
    }
  }
  if (problems.length === 1) throw new UserError(problems[0].code, problems[0].message, problems[0].where);
  if (problems.length > 1) throw new UserErrors(problems);

  const networks = swarmNetworks(template, opts.project);
  const files = new Map(template.files.map((f) => [`${f.kind}.${f.key}`, fileResource(f, opts.project)]));
  const aliases = linkAliases(template.services);
  const resources: DesiredResource[] = [...networks.values(), ...files.values()];
  for (const spec of template.services) resources.push(serviceResource(spec, deploys.get(spec.name)!, opts, networks, files, aliases.get(spec.name) ?? []));
  return resources.sort((a, b) => compareAddresses(a.address, b.address));
}

export function serviceAddress(service: string): Address {
  return `service.${service}`;
}

/** What a swarm cannot run as the template says: each at its place in the template. */
function unsupported(spec: ServiceSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const refuse = (key: string, why: string) =>
    out.push({ severity: "error", code: "E_SWARM_UNSUPPORTED", message: `service '${spec.name}': ${key} ${why}`, where: spec.keyLocs[key] ?? spec.loc });
  if (spec.build) refuse("build", "needs a registry the swarm's nodes pull from; build and push the image, then name it in `image:`");
  if (!spec.image && !spec.build) refuse("image", "is required on a swarm");
  if (spec.networkMode) refuse("network_mode", "is not available to swarm services");
  if (spec.containerName) refuse("container_name", "names one container; a swarm names its tasks");
  for (const key of Object.keys(spec.settings)) if (!TASK_SETTINGS.has(key)) refuse(key, "is not supported on a swarm by Berth");
  return out;
}

function swarmNetworks(template: Template, project: string): Map<string, DesiredResource> {
  const decls = new Map(template.networks.map((d) => [d.key, d]));
  const used = [...new Set(template.services.flatMap((s) => attachmentsOf(s).map((a) => a.key)))].sort();
  return new Map(used.map((key) => [key, networkResource(key, decls.get(key), project)]));
}

function networkResource(key: string, decl: NetworkDecl | undefined, project: string): DesiredResource {
  const attributes: SwarmNetworkAttributes = {
    name: decl?.name ?? (decl?.external ? key : `${project}_${key}`),
    project,
    key,
    // Tasks on several nodes reach one another only over an overlay network.
    driver: decl?.driver ?? "overlay",
    // Attachable: Berth's router and agent, plain containers, join it on a node.
    attachable: true,
    internal: decl?.internal ?? false,
    driver_opts: decl?.driverOpts ?? {},
    labels: decl?.labels ?? {},
    external: decl?.external ?? false,
  };
  return { address: `network.${key}`, type: "network", provider: "swarm", name: key, index: null, service: null, attributes: attributes as Attributes, dependsOn: [] };
}

/** A swarm config or secret never changes: a new content is a new object, named by its digest. */
function fileResource(f: FileDecl, project: string): DesiredResource {
  const digest = f.kind === "secret" ? secretDigest(f.content, project, f.key) : `sha256:${sha256(f.content)}`;
  const hex = digest.slice(digest.indexOf(":") + 1);
  const attributes: SwarmFileAttributes = { name: `${project}_${f.key}_${hex.slice(0, 12)}`, project, key: f.key, digest, content: f.content };
  return { address: `${f.kind}.${f.key}`, type: f.kind, provider: "swarm", name: f.key, index: null, service: null, attributes: attributes as Attributes, dependsOn: [] };
}

/**
 * A secret's name and digest are shown in plans and `docker secret ls`: a plain sha256 of a short
 * password is a lookup away from the password. scrypt, salted with the project and key, makes
 * each guess cost; it stays deterministic, so an unchanged secret plans no change.
 */
function secretDigest(content: string, project: string, key: string): string {
  return `scrypt:${scryptSync(content, `berth-swarm-secret:${project}:${key}`, 32).toString("hex")}`;
}

/** Link aliases (`links: [db:mysql]`) become the linked service's DNS aliases on its networks (no link variables). */
function linkAliases(services: readonly ServiceSpec[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of services) for (const l of s.links) if (l.alias !== l.service) out.set(l.service, [...(out.get(l.service) ?? []), l.alias]);
  return out;
}

function serviceResource(
  spec: ServiceSpec,
  deploy: SwarmDeploy,
  opts: SwarmModelOptions,
  networks: ReadonlyMap<string, DesiredResource>,
  files: ReadonlyMap<string, DesiredResource>,
  aliases: readonly string[],
): DesiredResource {
  const fileRefs = (kind: "secret" | "config"): FileRefAttr[] =>
    spec.files
      .filter((f) => f.kind === kind && files.has(`${kind}.${f.key}`))
      .map((f) => ({ name: String(files.get(`${kind}.${f.key}`)!.attributes.name), target: f.target, uid: f.uid ?? "0", gid: f.gid ?? "0", mode: f.mode }))
      .sort((a, b) => (a.target < b.target ? -1 : 1));
  const attrs: ServiceAttributes = {
    name: `${opts.project}_${spec.name}`,
    project: opts.project,
    service: spec.name,
    image: spec.image ?? "",
    image_digest: null,
    replicas: spec.aliyun.scale,
    tasks_running: spec.aliyun.scale,
    command: spec.command,
    entrypoint: spec.entrypoint,
    environment: spec.environment,
    labels: deploy.labels,
    container_labels: spec.labels,
    hostname: spec.hostname,
    working_dir: spec.workingDir,
    user: spec.user,
    healthcheck: spec.healthcheck ? healthcheckAttr(spec.healthcheck) : null,
    update_config: deploy.update_config,
    rollback_config: deploy.rollback_config,
    restart_policy: deploy.restart_policy,
    placement: deploy.placement,
    resources: deploy.resources,
    endpoint_mode: deploy.endpoint_mode,
    ports: spec.ports.map((p): SwarmPortAttr => ({ target: p.containerPort, published: p.hostPort, protocol: p.protocol, mode: "host" })),
    networks: attachmentsOf(spec).map((a) => ({
      name: String(networks.get(a.key)!.attributes.name),
      // The service's own name too, as docker stack deploy gives it: tasks find one another by it.
      aliases: [...new Set([spec.name, ...aliases, ...a.aliases])].sort(),
    })),
    configs: fileRefs("config"),
    secrets: fileRefs("secret"),
    mounts: mounts(spec, opts.project),
    settings: taskSettings(spec),
    stop_grace_period_seconds: spec.settings.stop_grace_period ?? null,
    sensitive_values: sensitiveValues(spec, opts.env ?? {}),
  };
  const fileAddresses = spec.files.map((f) => `${f.kind}.${f.key}`).filter((a) => files.has(a));
  return {
    address: serviceAddress(spec.name),
    type: "service",
    provider: "swarm",
    name: spec.name,
    index: null,
    service: spec.name,
    attributes: JSON.parse(canonicalJson(attrs)) as Attributes,
    dependsOn: [
      ...attachmentsOf(spec).map((a) => `network.${a.key}`),
      ...new Set(fileAddresses),
      ...serviceDependencies(spec).map(serviceAddress),
    ].sort(compareAddresses),
  };
}

/**
 * Volumes as each node makes them (a named volume lives on the node a task runs on); bind mounts
 * name a path that must exist on every node. aliyun.logs gets a volume per service, as on one engine.
 */
function mounts(spec: ServiceSpec, project: string): MountAttr[] {
  const out: MountAttr[] = spec.volumes.map((entry): MountAttr => {
    const [source, target, mode] = entry.split(":");
    const bind = source.startsWith("/") || source.startsWith(".");
    return { type: bind ? "bind" : "volume", source: bind ? source : `${project}_${source}`, target: target ?? source, read_only: mode === "ro" };
  });
  spec.aliyun.logs.forEach((path, n) => out.push({ type: "volume", source: `${project}_${spec.name}_logs${n === 0 ? "" : `_${n}`}`, target: path, read_only: false }));
  return out;
}

/** The task settings the template sets (TASK_SETTINGS), as written. */
function taskSettings(spec: ServiceSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ["init", "read_only", "stop_signal", "tty", "stdin_open", "cap_add", "cap_drop", "sysctls"] as const) {
    const value = spec.settings[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
