import { UserError } from "../core/errors.js";
import type { Address, Attributes, DesiredResource } from "../core/types.js";
import type { RouteSpec, ServiceSpec, Template } from "../template/types.js";
import type { ContainerAttributes, HealthcheckAttr, PortAttr } from "../../providers/docker/attributes.js";
import {
  NETWORK_ADDRESS,
  compareAddresses,
  containerAddress,
  containerName,
  discoveryAddress,
  networkName,
  routeAddress,
  upstreamAddress,
} from "./addresses.js";
import { canonicalJson, sha256 } from "./config-hash.js";
import { dockerSchema } from "../../providers/docker/schema.js";
import { findCycle } from "./cycles.js";
import { resolveBindSource } from "./bind-paths.js";
import { linkEnvironment } from "./link-env.js";
import { sensitiveValues } from "./sensitive.js";

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
  const resources: DesiredResource[] = [
    {
      address: NETWORK_ADDRESS,
      type: "network",
      provider: "docker",
      name: "default",
      index: null,
      service: null,
      attributes: { name: networkName(opts.project), project: opts.project },
      dependsOn: [],
    },
  ];
  const linkAliases = linkAliasesByService(template.services);
  for (const spec of template.services) {
    const shared = sharedContainerFacts(spec, byName, opts, linkAliases.get(spec.name) ?? [], template.dir);
    for (let i = 0; i < spec.aliyun.scale; i++) resources.push(containerResource(spec, i, shared, opts));
  }
  resources.push(...routingResources(template.services));
  if (opts.discovery) resources.push(...template.services.map((s) => discoveryResource(s, opts)));
  resources.sort((a, b) => compareAddresses(a.address, b.address));
  return { resources };
}

function checkCycles(template: Template): void {
  const edges = new Map(template.services.map((s) => [s.name, serviceDeps(s)]));
  const cycle = findCycle(edges);
  if (cycle) {
    const first = template.services.find((s) => s.name === cycle[0]);
    throw new UserError("E_CYCLE", `dependency cycle between services: ${cycle.join(" → ")}`, first?.keyLocs.links ?? first?.loc);
  }
}

function serviceDeps(spec: ServiceSpec): string[] {
  return [...new Set([...spec.links.map((l) => l.service), ...spec.dependsOn, ...spec.aliyun.depends])].sort();
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
  linkAliases: string[];
  dependsOn: Address[];
  /** Digest of the attributes every replica shares, filled by the first replica. */
  commonHash?: string;
}

function sharedContainerFacts(
  spec: ServiceSpec,
  byName: ReadonlyMap<string, ServiceSpec>,
  opts: ModelOptions,
  linkAliases: string[],
  templateDir: string,
): SharedFacts {
  return {
    environment: environmentOf(spec, byName, opts),
    labels: containerLabels(spec.labels),
    ports: portsToPublish(spec, opts.publishAddress),
    extraHosts: spec.extraHosts.map((h) => `${h.host}:${h.ip}`).sort(),
    expose: [...spec.expose].sort((a, b) => a - b),
    volumes: [
      ...spec.volumes.map((volume) => resolveBindSource(volume, templateDir)),
      ...spec.aliyun.logs.map((path, n) => `${opts.project}_${spec.name}_logs_${n + 1}:${path}`),
      ...(opts.discoveryCertsDir && opts.etcdEndpoints?.length && spec.aliyun.addon.length > 0
        ? [`${opts.discoveryCertsDir}:${ADDON_CERT_DIR}:ro`]
        : []),
    ],
    healthcheck: spec.healthcheck
      ? {
          test: spec.healthcheck.test,
          interval_seconds: spec.healthcheck.intervalSeconds,
          timeout_seconds: spec.healthcheck.timeoutSeconds,
          retries: spec.healthcheck.retries,
          start_period_seconds: spec.healthcheck.startPeriodSeconds,
        }
      : null,
    rollout: { create_before_destroy: spec.aliyun.routes.length > 0, parallelism: spec.aliyun.parallelism },
    sensitiveValues: sensitiveValues(spec, opts.env ?? {}),
    linkAliases,
    dependsOn: [NETWORK_ADDRESS, ...serviceDeps(spec).flatMap((d) => replicaAddresses(byName.get(d)))],
  };
}

function containerResource(spec: ServiceSpec, index: number, shared: SharedFacts, opts: ModelOptions): DesiredResource {
  const attrs: ContainerAttributes = {
    ...spec.settings,
    name: replicaName(spec, index, opts.project),
    project: opts.project,
    service: spec.name,
    index,
    image: spec.image ?? `${opts.project}_${spec.name}`,
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
    network: networkName(opts.project),
    aliases: [...new Set([spec.name, `${spec.name}_${index + 1}`, ...shared.linkAliases])].sort(),
    healthcheck: shared.healthcheck,
    running: true,
    rollout: shared.rollout,
    sensitive_values: shared.sensitiveValues,
    config_hash: "",
  };
  // The hash is a label Docker cannot change later: it digests only what forces a new container
  // (what the schema updates in place stays out). What replicas share is digested once per
  // service; each replica adds what is its own.
  if (shared.commonHash === undefined) shared.commonHash = sha256(canonicalJson(replacingAttributes(attrs)));
  attrs.config_hash = sha256(`${shared.commonHash}\n${attrs.name}\n${index}\n${attrs.aliases.join(",")}`).slice(0, 16);
  return {
    address: containerAddress(spec.name, index),
    type: "container",
    provider: "docker",
    name: spec.name,
    index,
    service: spec.name,
    attributes: attrs as unknown as Attributes,
    dependsOn: shared.dependsOn,
  };
}

/** The Docker name of replica `index`: the template's container_name (one replica only), else Berth's. */
function replicaName(spec: ServiceSpec, index: number, project: string): string {
  return spec.containerName ?? containerName(project, spec.name, index);
}

/** Per-replica attributes, digested apart from the shared ones; image_id is checked on its own. */
const OWN_OR_RESOLVED = new Set(["name", "index", "aliases", "image_id"]);

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

function discoveryResource(spec: ServiceSpec, opts: ModelOptions): DesiredResource {
  return {
    address: discoveryAddress(opts.project, spec.name),
    type: "discovery",
    provider: "discovery",
    name: `${opts.project}_${spec.name}`,
    index: null,
    service: spec.name,
    attributes: {
      path: `/berth/services/${opts.project}_${spec.name}`,
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
