import { UserError } from "../core/errors.js";
import type { Address, Attributes, DependencyCondition, DesiredResource } from "../core/types.js";
import type { BuildSpec, Healthcheck, RouteSpec, ServiceSpec, Template } from "../template/types.js";
import type { ContainerAttributes, HealthcheckAttr, ImageAttributes, PortAttr } from "../../providers/docker/attributes.js";
import {
  builtImageTag,
  compareAddresses,
  containerAddress,
  containerName,
  discoveryAddress,
  imageAddress,
  routeAddress,
  upstreamAddress,
} from "./addresses.js";
import { canonicalJson, sha256 } from "../core/hash.js";
import { dockerSchema } from "../../providers/docker/schema.js";
import { findCycle } from "./cycles.js";
import { resolveBindSource } from "./bind-paths.js";
import { linkEnvironment } from "./link-env.js";
import { serviceFiles } from "./files.js";
import { sensitiveValues } from "./sensitive.js";
import { attachmentsOf, containerNetworks, networkAddress, networkModeOf, projectNetworks, type ProjectNetworks } from "./networks.js";
import { logsVolumeKey, mountWithDockerName, projectVolumes, volumeDependencies } from "./volumes.js";
import { serviceDependencies } from "../template/dependencies.js";

export interface ModelOptions {
  project: string;
  /** Address ports are published on when the template names none. */
  publishAddress: string;
  /** Discovery records are modelled only when an etcd is configured. */
  discovery: boolean;
  /** Injected into services whose aliyun.addon names discovery/nginx (the article's platform does this). */
  etcdEndpoints?: string[];
  /**
   * Folder with the discovery certificates (`berth discovery certs --out DIR`): mounted read-only
   * into aliyun.addon services, as the article's platform mounts its certificates.
   */
  discoveryCertsDir?: string;
  /** The environment the template was interpolated with: secrets taken from it are masked. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Ports each image EXPOSEs (from the engine), for link variables of services that expose none. */
  imageExposed?: Readonly<Record<string, readonly number[]>>;
  /**
   * The CLI supervises the project's discovery agent (`agent.<project>`): apply starts it, a dead
   * one is drift the next apply starts again, destroy stops it.
   */
  superviseAgent?: boolean;
  /** --no-build: services with `build:` run the image already tagged; nothing is built. */
  noBuild?: boolean;
}

/** Where an aliyun.addon service finds the discovery certificates, and the variables naming them. */
export const ADDON_CERT_DIR = "/etc/berth/discovery";
const ADDON_CERT_ENV = {
  DISCOVERY_CA: `${ADDON_CERT_DIR}/ca.pem`,
  DISCOVERY_CERT: `${ADDON_CERT_DIR}/agent.pem`,
  DISCOVERY_KEY: `${ADDON_CERT_DIR}/agent-key.pem`,
};

export interface DesiredModel {
  resources: DesiredResource[];
}

/** Template → desired resources with addresses and dependencies (DESIGN.md rule 2). */
export function buildDesired(template: Template, opts: ModelOptions): DesiredModel {
  checkCycles(template);
  const byName = new Map(template.services.map((s) => [s.name, s]));
  const networks = projectNetworks(template, opts.project);
  const volumes = projectVolumes(template, opts.project);
  const resources: DesiredResource[] = [...networks.resources, ...volumes.resources];
  const linkAliases = linkAliasesByService(template.services);
  const oneShots = oneShotServices(template.services);
  const builtImages = builtImageAddresses(template.services, opts.project);
  for (const spec of template.services) {
    const builtImage = builtImages.get(sameTag(builtImageTag(opts.project, spec.name, spec.image))) ?? null;
    const shared = sharedContainerFacts(spec, byName, opts, linkAliases.get(spec.name) ?? [], {
      volumeNames: volumes.dockerName,
      networks,
      fileDecls: template.files,
      oneShot: oneShots.has(spec.name),
      builtImage: spec.build ? imageAddress(spec.name) : builtImage,
      templateDir: template.dir,
    });
    if (spec.build) resources.push(imageResource(spec, spec.build, opts));
    for (let i = 0; i < spec.aliyun.scale; i++) resources.push(containerResource(spec, i, shared, opts, networks));
  }
  resources.push(...routingResources(template.services));
  if (opts.discovery) resources.push(...template.services.map((s) => discoveryResource(s, opts)));
  if (opts.discovery && opts.superviseAgent) resources.push(agentResource(template.services, opts));
  resources.sort((a, b) => compareAddresses(a.address, b.address));
  return { resources };
}

/**
 * Tag → image.<service> for every image the template builds. A service that names a tag another
 * service builds (`worker: image: myapp` beside `web: build: . image: myapp`) runs that build.
 */
function builtImageAddresses(services: readonly ServiceSpec[], project: string): Map<string, Address> {
  const built = new Map<string, Address>();
  for (const spec of services) {
    const tag = sameTag(builtImageTag(project, spec.name, spec.image));
    if (spec.build && !built.has(tag)) built.set(tag, imageAddress(spec.name));
  }
  return built;
}

/** "myapp" and "myapp:latest" name one tag. */
function sameTag(tag: string): string {
  return tag.lastIndexOf(":") > tag.lastIndexOf("/") ? tag : `${tag}:latest`;
}

function checkCycles(template: Template): void {
  const edges = new Map(template.services.map((s) => [s.name, serviceDeps(s)]));
  const cycle = findCycle(edges);
  if (cycle) {
    const first = template.services.find((s) => s.name === cycle[0]);
    // Point at the depends_on entry that closes the loop when that is where it is written.
    const viaDependsOn = first?.dependsOn.find((d) => d.service === cycle[1])?.loc;
    throw new UserError("E_CYCLE", `dependency cycle between services: ${cycle.join(" → ")}`, viaDependsOn ?? first?.keyLocs.links ?? first?.loc);
  }
}

/** What a service shares the network stack of (network_mode: service:x) starts first, as a dependency does. */
function serviceDeps(spec: ServiceSpec): string[] {
  const sharesStackOf = spec.networkMode?.kind === "service" ? [spec.networkMode.service] : [];
  return [...new Set([...serviceDependencies(spec), ...sharesStackOf])].sort();
}

/**
 * Services another one waits on to complete (depends_on condition service_completed_successfully):
 * they run once, and having exited with code 0 is their desired state, not a stopped container.
 */
function oneShotServices(services: readonly ServiceSpec[]): Set<string> {
  return new Set(services.flatMap((s) => s.dependsOn.filter((d) => d.condition === "service_completed_successfully").map((d) => d.service)));
}

/** depends_on as conditions on the edges to each replica of each dependency. */
function dependencyConditions(spec: ServiceSpec, byName: ReadonlyMap<string, ServiceSpec>): Record<Address, DependencyCondition> | undefined {
  const conditions: Record<Address, DependencyCondition> = {};
  for (const d of spec.dependsOn) {
    for (const address of replicaAddresses(byName.get(d.service))) {
      conditions[address] = { condition: d.condition, required: d.required, restart: d.restart };
    }
  }
  return Object.keys(conditions).length > 0 ? conditions : undefined;
}

/** What every replica of a service has in common: computed once, not once per replica. */
interface SharedFacts {
  environment: Record<string, string>;
  labels: Record<string, string>;
  ports: PortAttr[];
  extraHosts: string[];
  expose: number[];
  volumes: string[];
  healthcheck: HealthcheckAttr | null;
  rollout: ContainerAttributes["rollout"];
  sensitiveValues: Record<string, string>;
  files: ContainerAttributes["files"];
  configContents: Record<string, string>;
  linkAliases: string[];
  dependsOn: Address[];
  networksDigest: string;
  conditions: Record<Address, DependencyCondition> | undefined;
  oneShot: boolean;
  volumesFrom: string[];
  /** image.<service> the replicas run, when the template builds their image. */
  builtImage: Address | null;
  /** Digest of the attributes every replica shares, filled by the first replica. */
  commonHash?: string;
}

/** What a service's containers take from the rest of the project. */
interface ProjectFacts {
  volumeNames: ReadonlyMap<string, string>;
  networks: ProjectNetworks;
  fileDecls: Template["files"];
  /** Another service waits for this one to complete: exited with code 0 is its desired end. */
  oneShot: boolean;
  /** image.<service> the replicas run, when the template builds their image. */
  builtImage: Address | null;
  /** Relative bind sources are the template folder's, as compose reads them. */
  templateDir: string;
}

function sharedContainerFacts(
  spec: ServiceSpec,
  byName: ReadonlyMap<string, ServiceSpec>,
  opts: ModelOptions,
  linkAliases: string[],
  project: ProjectFacts,
): SharedFacts {
  const files = serviceFiles(spec, project.fileDecls);
  return {
    environment: environmentOf(spec, byName, opts),
    labels: containerLabels(spec.labels),
    ports: portsToPublish(spec, opts.publishAddress),
    extraHosts: spec.extraHosts.map((h) => `${h.host}:${h.ip}`).sort(),
    expose: [...spec.expose].sort((a, b) => a - b),
    volumes: [
      ...spec.volumes.map((entry) => resolveBindSource(mountWithDockerName(entry, project.volumeNames), project.templateDir)),
      ...spec.aliyun.logs.map((path, n) => `${project.volumeNames.get(logsVolumeKey(spec, n))}:${path}`),
      ...(opts.discoveryCertsDir && opts.etcdEndpoints?.length && spec.aliyun.addon.length > 0
        ? [`${opts.discoveryCertsDir}:${ADDON_CERT_DIR}:ro`]
        : []),
    ],
    healthcheck: spec.healthcheck ? healthcheckAttr(spec.healthcheck) : null,
    rollout: { create_before_destroy: spec.aliyun.routes.length > 0, parallelism: spec.aliyun.parallelism },
    sensitiveValues: { ...sensitiveValues(spec, opts.env ?? {}), ...files.secrets },
    files: files.files,
    configContents: files.configs,
    linkAliases,
    // A network made again (new options) takes its containers with it: Docker cannot move them.
    networksDigest: sha256(canonicalJson(attachmentsOf(spec).map((a) => project.networks.attributesOf.get(a.key)!))),
    conditions: dependencyConditions(spec, byName),
    // A service's mounts are its first replica's, as compose takes them from its first container.
    volumesFrom: spec.volumesFrom.map((v) => `${v.kind === "container" ? v.name : sourceName(byName.get(v.name), v.name, opts.project)}:${v.readOnly ? "ro" : "rw"}`),
    oneShot: project.oneShot,
    builtImage: project.builtImage,
    dependsOn: [
      ...attachmentsOf(spec).map((a) => networkAddress(a.key)),
      ...volumeDependencies(spec),
      ...(project.builtImage ? [project.builtImage] : []),
      ...serviceDeps(spec).flatMap((d) => replicaAddresses(byName.get(d))),
    ],
  };
}

/** A healthcheck as recorded (seconds), for one engine's containers and a swarm's services alike. */
export function healthcheckAttr(h: Healthcheck): HealthcheckAttr {
  return {
    test: h.test,
    interval_seconds: h.intervalSeconds,
    timeout_seconds: h.timeoutSeconds,
    retries: h.retries,
    start_period_seconds: h.startPeriodSeconds,
    // Only when set: containers planned before it existed keep their config hash.
    ...(h.startIntervalSeconds !== null ? { start_interval_seconds: h.startIntervalSeconds } : {}),
  };
}

/**
 * The image a service builds. Its context's digest and per-file digests are left null here:
 * the Docker provider reads the files (resolveLocal), the model does no I/O.
 */
function imageResource(spec: ServiceSpec, build: BuildSpec, opts: ModelOptions): DesiredResource {
  const attributes: ImageAttributes = {
    tag: builtImageTag(opts.project, spec.name, spec.image),
    project: opts.project,
    service: spec.name,
    context: build.contextDir,
    dockerfile: build.dockerfileInline === null ? (build.dockerfile ?? "Dockerfile") : null,
    dockerfile_inline: build.dockerfileInline,
    args: build.args,
    target: build.target,
    labels: build.labels,
    network: build.network,
    shm_size: build.shmSize,
    extra_hosts: build.extraHosts,
    policy: opts.noBuild ? "never" : spec.pullPolicy === "missing" || spec.pullPolicy === "never" ? spec.pullPolicy : "build",
    context_digest: null,
    files: null,
  };
  return {
    address: imageAddress(spec.name),
    type: "image",
    provider: "docker",
    name: spec.name,
    index: null,
    service: spec.name,
    attributes: attributes as unknown as Attributes,
    dependsOn: [],
  };
}

function containerResource(spec: ServiceSpec, index: number, shared: SharedFacts, opts: ModelOptions, networks: ProjectNetworks): DesiredResource {
  const attrs: ContainerAttributes = {
    ...spec.settings,
    name: replicaName(spec, index, opts.project),
    project: opts.project,
    service: spec.name,
    index,
    image: builtImageTag(opts.project, spec.name, spec.image),
    image_id: null,
    command: spec.command,
    entrypoint: spec.entrypoint,
    environment: shared.environment,
    labels: shared.labels,
    hostname: spec.hostname,
    working_dir: spec.workingDir,
    user: spec.user,
    restart: spec.restart ?? "no",
    extra_hosts: shared.extraHosts,
    ports: shared.ports,
    expose: shared.expose,
    volumes: shared.volumes,
    network_mode: networkModeOf(spec, opts.project),
    networks: containerNetworks(spec, index, shared.linkAliases, networks),
    healthcheck: shared.healthcheck,
    running: true,
    rollout: shared.rollout,
    sensitive_values: shared.sensitiveValues,
    files: shared.files,
    config_contents: shared.configContents,
    ...(shared.oneShot ? { one_shot: true } : {}),
    // Only when written: states recorded before the key existed stay unchanged.
    ...(shared.volumesFrom.length > 0 ? { volumes_from: shared.volumesFrom } : {}),
    config_hash: "",
  };
  // Only when written: states recorded before the key existed stay unchanged.
  // (pull_policy: build without build: was refused when loading.)
  if (spec.pullPolicy !== null && spec.pullPolicy !== "build" && !spec.build) attrs.pull_policy = spec.pullPolicy;
  // The hash is a label Docker cannot change later: it digests only what forces a new container
  // (what the schema updates in place stays out). What replicas share is digested once per
  // service; each replica adds what is its own.
  if (shared.commonHash === undefined) shared.commonHash = sha256(`${canonicalJson(replacingAttributes(attrs))}\n${shared.networksDigest}`);
  attrs.config_hash = sha256(`${shared.commonHash}\n${attrs.name}\n${index}\n${canonicalJson(attrs.networks as unknown as Attributes)}`).slice(0, 16);
  return {
    address: containerAddress(spec.name, index),
    type: "container",
    provider: "docker",
    name: spec.name,
    index,
    service: spec.name,
    attributes: attrs as unknown as Attributes,
    dependsOn: shared.dependsOn,
    ...(shared.conditions ? { conditions: shared.conditions } : {}),
    ...(shared.builtImage ? { references: { image_id: { address: shared.builtImage, attribute: "image_id" } } } : {}),
  };
}

/** The first replica's Docker name of a service whose mounts another takes (a service the loader let through is always there). */
function sourceName(source: ServiceSpec | undefined, service: string, project: string): string {
  return source ? replicaName(source, 0, project) : containerName(project, service, 0);
}

/** The Docker name of replica `index`: the template's container_name (one replica only), else Berth's. */
function replicaName(spec: ServiceSpec, index: number, project: string): string {
  return spec.containerName ?? containerName(project, spec.name, index);
}

/** Per-replica attributes, digested apart from the shared ones; image_id is checked on its own. */
const OWN_OR_RESOLVED = new Set(["name", "index", "networks", "image_id"]);

/** The attributes a change of which needs a new container, by the Docker provider's schema. */
function replacingAttributes(attrs: ContainerAttributes): Record<string, unknown> {
  const container = dockerSchema.container!;
  return Object.fromEntries(
    Object.entries(attrs).filter(([key]) => {
      const rule = container.attributes[key] ?? container.defaultRule;
      return rule.update === "replace" && !rule.digest && !OWN_OR_RESOLVED.has(key);
    }),
  );
}

/**
 * aliyun.* labels steer Berth (scale, routing, rollout), not the container: changing the scale
 * must not replace the replicas that stay, so they are kept off the container.
 */
function containerLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith("aliyun.") || k === "aliyun.logs"));
}

/**
 * The template's ports, plus every routed port the template only exposes: the router reaches
 * replicas through ports published on the publish address, never a bridge address.
 */
function portsToPublish(spec: ServiceSpec, publishAddress: string): PortAttr[] {
  const ports = spec.ports.map(
    (p): PortAttr => ({ container_port: p.containerPort, protocol: p.protocol, host_ip: p.hostIp ?? publishAddress, host_port: p.hostPort }),
  );
  for (const route of spec.aliyun.routes) {
    if (!ports.some((p) => p.container_port === route.containerPort && p.protocol === "tcp")) {
      ports.push({ container_port: route.containerPort, protocol: "tcp", host_ip: publishAddress, host_port: null });
    }
  }
  return ports;
}

function replicaAddresses(spec: ServiceSpec | undefined): Address[] {
  if (!spec) return [];
  return Array.from({ length: spec.aliyun.scale }, (_, i) => containerAddress(spec.name, i));
}

/** Aliases other services give each service in their links ("db:mysql" makes "mysql" resolve to db). */
function linkAliasesByService(services: readonly ServiceSpec[]): Map<string, string[]> {
  const aliases = new Map<string, string[]>();
  for (const other of services) {
    for (const link of other.links) aliases.set(link.service, [...(aliases.get(link.service) ?? []), link.alias]);
  }
  return aliases;
}

function environmentOf(spec: ServiceSpec, byName: ReadonlyMap<string, ServiceSpec>, opts: ModelOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const link of spec.links) {
    const target = byName.get(link.service);
    if (!target) continue;
    const ports = portsOf(target, opts.imageExposed?.[target.image ?? ""] ?? []);
    Object.assign(env, linkEnvironment(link.alias, replicaName(target, 0, opts.project), ports, target.environment));
  }
  if (opts.etcdEndpoints?.length && spec.aliyun.addon.length > 0) {
    env.COMPOSE_PROJECT_NAME = opts.project;
    env.ETCD_NODES = opts.etcdEndpoints.join(",");
    if (opts.discoveryCertsDir) Object.assign(env, ADDON_CERT_ENV);
  }
  // The template's own values win over injected ones, as docker's did over link variables.
  Object.assign(env, spec.environment);
  return sortRecord(env);
}

function portsOf(spec: ServiceSpec, imageExposed: readonly number[]): { port: number; protocol: string }[] {
  const seen = new Map<string, { port: number; protocol: string }>();
  for (const port of [...imageExposed, ...spec.expose]) seen.set(`${port}/tcp`, { port, protocol: "tcp" });
  for (const p of spec.ports) seen.set(`${p.containerPort}/${p.protocol}`, { port: p.containerPort, protocol: p.protocol });
  return [...seen.values()];
}

function sortRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * One route per virtual host and one upstream per route. Several services routing the same
 * host (the article's "route to node": tomcat1 and tomcat2 both on tomcat.ir) share it.
 */
function routingResources(services: readonly ServiceSpec[]): DesiredResource[] {
  const byHost = new Map<string, { route: RouteSpec; members: { spec: ServiceSpec; route: RouteSpec }[] }>();
  for (const spec of services) {
    for (const route of spec.aliyun.routes) {
      const key = route.host + route.context;
      const entry = byHost.get(key) ?? { route, members: [] };
      entry.members.push({ spec, route });
      byHost.set(key, entry);
    }
  }
  const out: DesiredResource[] = [];
  for (const { route, members } of byHost.values()) {
    const name = route.host + route.context.replace(/\//g, "_");
    const servers = members.flatMap(({ spec, route: r }) =>
      Array.from({ length: spec.aliyun.scale }, (_, i) => `${containerAddress(spec.name, i)}:${r.containerPort}`),
    );
    const owner = members[0].spec.name;
    const sticky = members.some((m) => m.spec.aliyun.sessionSticky);
    out.push({
      address: upstreamAddress(name),
      type: "upstream",
      provider: "routing",
      name,
      index: null,
      service: owner,
      attributes: { name, servers, sticky, protocol: route.scheme },
      dependsOn: members.flatMap(({ spec }) => replicaAddresses(spec)),
      // Where nginx reaches each replica is the engine's to say (ports it assigns on start):
      // the upstream refers to it, and follows it when a replica is replaced or started again.
      references: {
        endpoints: members.flatMap(({ spec, route: r }) =>
          Array.from({ length: spec.aliyun.scale }, (_, i) => ({ address: containerAddress(spec.name, i), attribute: "endpoints", key: `${r.containerPort}/tcp` })),
        ),
      },
    });
    out.push({
      address: routeAddress(name),
      type: "route",
      provider: "routing",
      name,
      index: null,
      service: owner,
      attributes: {
        virtual_host: route.host,
        protocol: route.scheme,
        context: route.context,
        upstream: name,
        services: members.map((m) => m.spec.name),
        ports: members.map((m) => m.route.containerPort),
      },
      dependsOn: [upstreamAddress(name)],
    });
  }
  return out;
}

/** What keeps the records' container entries current between applies: one agent per project on this machine. */
function agentResource(services: readonly ServiceSpec[], opts: ModelOptions): DesiredResource {
  return {
    address: `agent.${opts.project}`,
    type: "agent",
    provider: "discovery",
    name: opts.project,
    index: null,
    service: null,
    attributes: { project: opts.project, endpoints: opts.etcdEndpoints ?? [], running: true },
    // Started once the records it keeps current exist; stopped before they go.
    dependsOn: services.map((s) => discoveryAddress(opts.project, s.name)),
  };
}

function discoveryResource(spec: ServiceSpec, opts: ModelOptions): DesiredResource {
  return {
    address: discoveryAddress(opts.project, spec.name),
    type: "discovery",
    provider: "discovery",
    name: `${opts.project}_${spec.name}`,
    index: null,
    service: spec.name,
    attributes: {
      name: spec.name,
      project: opts.project,
      definition: definitionOf(spec),
      extensions: {
        scale: spec.aliyun.scale,
        routing: spec.aliyun.routes.map((r) => ({ virtual_host: r.host, protocol: r.scheme, port: r.containerPort })),
      },
    },
    dependsOn: replicaAddresses(spec),
  };
}

/** The service as written, in the article's record shape (secrets are masked when shown or stored). */
function definitionOf(spec: ServiceSpec): Attributes {
  const def: Attributes = {};
  if (spec.image) def.image = spec.image;
  if (Object.keys(spec.labels).length) def.labels = spec.labels;
  if (spec.links.length) def.links = spec.links.map((l) => (l.alias === l.service ? l.service : `${l.service}:${l.alias}`));
  if (spec.ports.length)
    def.ports = spec.ports.map((p) => (p.hostPort === null ? `${p.containerPort}` : `${p.hostPort}:${p.containerPort}`));
  if (spec.volumes.length) def.volumes = spec.volumes;
  if (Object.keys(spec.environment).length) def.environment = spec.environment;
  if (spec.restart) def.restart = spec.restart;
  return def;
}
