import type { Address, Attributes, DesiredResource } from "../core/types.js";
import type { NetworkDecl, ServiceNetwork, ServiceSpec, Template } from "../template/types.js";
import type { NetworkAttachmentAttr } from "../../providers/docker/attributes.js";
import { containerName } from "./addresses.js";

export function networkAddress(key: string): Address {
  return `network.${key}`;
}

/** The networks a service joins: those it names, else the project's default one; none with network_mode. */
export function attachmentsOf(spec: ServiceSpec): ServiceNetwork[] {
  if (spec.networkMode) return [];
  return spec.networks ?? [{ key: "default", aliases: [], ipv4Address: null, ipv6Address: null, priority: 0, loc: spec.loc }];
}

export interface ProjectNetworks {
  resources: DesiredResource[];
  /** key → Docker network name. */
  dockerName: ReadonlyMap<string, string>;
  /** key → a digest of what the network is made with: containers on it are made again when it is. */
  attributesOf: ReadonlyMap<string, Attributes>;
}

/**
 * One resource per network a service joins, named as compose names them (`<project>_<key>`
 * unless `name:`; external ones as written). Options appear only when the template sets them,
 * so a project network made before networks had options records the same attributes.
 */
export function projectNetworks(template: Template, project: string): ProjectNetworks {
  const decls = new Map(template.networks.map((d) => [d.key, d]));
  const used = [...new Set(template.services.flatMap((s) => attachmentsOf(s).map((a) => a.key)))].sort();
  const dockerName = new Map<string, string>();
  const attributesOf = new Map<string, Attributes>();
  const resources = used.map((key): DesiredResource => {
    const decl = decls.get(key);
    const name = decl?.name ?? (decl?.external ? key : `${project}_${key}`);
    const attributes: Attributes = { name, project, ...(decl ? declaredOptions(decl) : {}) };
    dockerName.set(key, name);
    attributesOf.set(key, attributes);
    return { address: networkAddress(key), type: "network", provider: "docker", name: key, index: null, service: null, attributes, dependsOn: [] };
  });
  return { resources, dockerName, attributesOf };
}

function declaredOptions(decl: NetworkDecl): Attributes {
  const out: Attributes = {};
  if (decl.external) out.external = true;
  if (decl.driver) out.driver = decl.driver;
  if (Object.keys(decl.driverOpts).length) out.driver_opts = decl.driverOpts;
  if (decl.ipam) out.ipam = { driver: decl.ipam.driver, config: decl.ipam.config.map((p) => ({ ...p })), options: decl.ipam.options };
  if (decl.internal) out.internal = true;
  if (decl.attachable) out.attachable = true;
  if (decl.enableIpv6) out.enable_ipv6 = true;
  if (Object.keys(decl.labels).length) out.labels = decl.labels;
  return out;
}


/** Docker network name → the replica's place on it: DNS aliases (service, <service>_<i+1>, link aliases, declared ones). */
export function containerNetworks(
  spec: ServiceSpec,
  index: number,
  linkAliases: readonly string[],
  networks: ProjectNetworks,
): Record<string, NetworkAttachmentAttr> {
  const out: Record<string, NetworkAttachmentAttr> = {};
  for (const a of attachmentsOf(spec)) {
    out[networks.dockerName.get(a.key)!] = {
      aliases: [...new Set([spec.name, `${spec.name}_${index + 1}`, ...linkAliases, ...a.aliases])].sort(),
      ipv4_address: a.ipv4Address,
      ipv6_address: a.ipv6Address,
      priority: a.priority,
    };
  }
  return out;
}

/** Docker's NetworkMode for a service that shares another stack; null when it joins project networks. */
export function networkModeOf(spec: ServiceSpec, project: string): string | null {
  const mode = spec.networkMode;
  if (!mode) return null;
  if (mode.kind === "service") return `container:${containerName(project, mode.service, 0)}`;
  if (mode.kind === "container") return `container:${mode.container}`;
  return mode.kind;
}
