import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import type { ImportCandidate } from "../../src/core/import.js";
import type { ImportContext } from "../../src/core/provider.js";
import type { AttrValue, Attributes, DesiredResource } from "../../src/core/types.js";
import { sameValue } from "../../src/planner/attribute-diff.js";
import { engineStatus } from "../../src/clients/docker.js";
import { publishedPorts } from "./container-spec.js";
import { madeBy } from "./foreign.js";
import { endpointsOf } from "./endpoints.js";
import type { ContainerAttributes, NetworkAttachmentAttr, PortAttr } from "./attributes.js";

/** docker compose's labels, on every container, network and volume it makes (v1 and v2 alike). */
const COMPOSE_PROJECT = "com.docker.compose.project";
const COMPOSE_SERVICE = "com.docker.compose.service";
const COMPOSE_NUMBER = "com.docker.compose.container-number";
const COMPOSE_ONEOFF = "com.docker.compose.oneoff";
const COMPOSE_NETWORK = "com.docker.compose.network";
const COMPOSE_VOLUME = "com.docker.compose.volume";

/**
 * What of a compose project (or of the objects named) can be imported: each container, network
 * and volume compose labelled with the project, at the address the template gives it.
 */
export async function findImportable(docker: Docker, ctx: ImportContext): Promise<ImportCandidate[]> {
  const desired = new Map(ctx.desired.map((d) => [d.address, d]));
  const refs = ctx.named.length > 0 ? ctx.named : await composeObjects(docker, ctx.project);
  const found = await Promise.all(refs.map((r) => inspectCandidate(docker, r.address, r.ref, desired.get(r.address), ctx.named.length > 0)));
  return found.flatMap((c) => (c ? [c] : []));
}

/** Every object compose made for the project, as (address, ID) pairs. */
async function composeObjects(docker: Docker, project: string): Promise<{ address: string; ref: string }[]> {
  const filters = { label: [`${COMPOSE_PROJECT}=${project}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const refs: { address: string; ref: string }[] = [];
  for (const c of containers) {
    const number = Number(c.Labels[COMPOSE_NUMBER]);
    // `docker compose run` containers are one-offs: never a replica.
    if (c.Labels[COMPOSE_ONEOFF] === "True" || !c.Labels[COMPOSE_SERVICE] || !Number.isInteger(number) || number < 1) continue;
    refs.push({ address: `container.${c.Labels[COMPOSE_SERVICE]}[${number - 1}]`, ref: c.Id });
  }
  for (const n of networks) if (n.Labels?.[COMPOSE_NETWORK]) refs.push({ address: `network.${n.Labels[COMPOSE_NETWORK]}`, ref: n.Id });
  for (const v of volumes.Volumes ?? []) if (v.Labels?.[COMPOSE_VOLUME]) refs.push({ address: `volume.${v.Labels[COMPOSE_VOLUME]}`, ref: v.Name });
  return refs;
}

/**
 * One candidate. An object compose made that the template has no address for still shows (the
 * planner says it is not imported); a named one that does not exist is the user's mistake.
 */
async function inspectCandidate(docker: Docker, address: string, ref: string, d: DesiredResource | undefined, named: boolean): Promise<ImportCandidate | null> {
  const type = address.slice(0, address.indexOf("."));
  try {
    if (type === "container") {
      const info = await docker.getContainer(ref).inspect();
      const image = await docker.getImage(info.Image).inspect().catch(() => null);
      return containerCandidate(address, info, image, d);
    }
    if (type === "network") {
      const info = await docker.getNetwork(ref).inspect();
      return simpleCandidate(address, "network", info.Name, info.Id, info.Labels, d, { name: info.Name, network_id: info.Id });
    }
    if (type === "volume") {
      const info = await docker.getVolume(ref).inspect();
      return simpleCandidate(address, "volume", info.Name, info.Name, info.Labels, d, { name: info.Name });
    }
  } catch (e) {
    if (engineStatus(e) !== 404) throw e;
    if (named) throw new UserError("E_IMPORT_MISSING", `no ${type} ${ref} on the engine to import as ${address}`, { address });
    return null;
  }
  throw new UserError("E_IMPORT_TYPE", `${address}: only containers, networks and volumes can be imported`, { address });
}

/** A network or volume is taken over whole when its name is the template's; another name is a difference. */
function simpleCandidate(
  address: string,
  type: "network" | "volume",
  engineName: string,
  id: string,
  labels: Record<string, string> | undefined | null,
  d: DesiredResource | undefined,
  observed: Attributes,
): ImportCandidate {
  const differing = d && d.attributes.name !== engineName ? ["name"] : [];
  return { address, type, provider: "docker", engineName, id, madeBy: madeBy(labels ?? {}), observed, differing };
}

function containerCandidate(address: string, info: Docker.ContainerInspectInfo, image: Docker.ImageInspectInfo | null, d: DesiredResource | undefined): ImportCandidate {
  const engineName = info.Name.replace(/^\//, "");
  const observed = observedContainer(info, image, d?.attributes as ContainerAttributes | undefined);
  const desired = d?.attributes as ContainerAttributes | undefined;
  return {
    address,
    type: "container",
    provider: "docker",
    engineName,
    id: info.Id,
    madeBy: madeBy(info.Config.Labels ?? {}),
    observed,
    differing: desired ? containerDifferences(desired, observed) : [],
    ...(desired && desired.name !== engineName ? { renameTo: desired.name } : {}),
  };
}

/**
 * What a running container holds, in Berth's attribute shapes. What the image supplies (its
 * environment, command, labels) is not the container's own setting and is left out, as a
 * template that does not set it leaves it out. Pure.
 */
export function observedContainer(info: Docker.ContainerInspectInfo, image: Docker.ImageInspectInfo | null, desired: ContainerAttributes | undefined): Attributes {
  const imageConfig = image?.Config;
  const imageEnv = new Set(imageConfig?.Env ?? []);
  const environment: Record<string, string> = {};
  for (const entry of info.Config.Env ?? []) {
    if (imageEnv.has(entry)) continue;
    const eq = entry.indexOf("=");
    environment[eq < 0 ? entry : entry.slice(0, eq)] = eq < 0 ? "" : entry.slice(eq + 1);
  }
  const imageLabels = imageConfig?.Labels ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(info.Config.Labels ?? {})) {
    // compose's own labels and the aliyun ones (which steer Berth and stay off its containers) are not settings.
    if (k.startsWith("com.docker.compose.") || k.startsWith("aliyun.") || imageLabels[k] === v) continue;
    labels[k] = v;
  }
  const sameAsImage = (value: string[] | null | undefined, fromImage: string[] | null | undefined) =>
    !value || value.length === 0 || sameValue(value, fromImage ?? null) ? null : value;
  const mode = info.HostConfig.NetworkMode ?? "";
  const sharesStack = mode === "host" || mode === "none" || mode.startsWith("container:") || mode.startsWith("service:");
  const networks: Record<string, NetworkAttachmentAttr> = {};
  if (!sharesStack) {
    for (const name of Object.keys(info.NetworkSettings.Networks ?? {})) {
      networks[name] = desired?.networks[name] ?? { aliases: [], ipv4_address: null, ipv6_address: null, priority: 0 };
    }
  }
  const ports = portsOf(info.HostConfig.PortBindings);
  const published = publishedPorts(info);
  return {
    name: info.Name.replace(/^\//, ""),
    container_id: info.Id,
    image: info.Config.Image,
    image_id: info.Image,
    running: info.State.Running,
    published,
    // As apply computes them: what routes to the container (the router's upstreams) refers to these.
    endpoints: endpointsOf(ports as unknown as PortAttr[], published, info.State.Running),
    environment,
    labels,
    command: sameAsImage(info.Config.Cmd, imageConfig?.Cmd),
    entrypoint: sameAsImage(asList(info.Config.Entrypoint), asList(imageConfig?.Entrypoint)),
    restart: restartOf(info.HostConfig.RestartPolicy),
    ports,
    extra_hosts: [...(info.HostConfig.ExtraHosts ?? [])].sort(),
    network_mode: sharesStack ? mode : null,
    networks: networks as unknown as Attributes,
    volumes: mountsOf(info.Mounts),
  };
}

function asList(value: string | string[] | null | undefined): string[] | null {
  if (value === null || value === undefined) return null;
  return Array.isArray(value) ? value : [value];
}

function restartOf(policy: Docker.HostRestartPolicy | undefined): string {
  const name = policy?.Name || "no";
  return name === "on-failure" && policy?.MaximumRetryCount ? `on-failure:${policy.MaximumRetryCount}` : name;
}

function portsOf(bindings: Docker.PortMap | undefined): AttrValue {
  const ports: PortAttr[] = [];
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const [port, protocol] = key.split("/");
    for (const b of list ?? []) {
      ports.push({ container_port: Number(port), protocol: protocol === "udp" ? "udp" : "tcp", host_ip: b.HostIp || "0.0.0.0", host_port: b.HostPort ? Number(b.HostPort) : null });
    }
  }
  return ports.sort((a, b) => a.container_port - b.container_port || a.protocol.localeCompare(b.protocol)) as unknown as AttrValue;
}

/** "source:/target[:ro]"; a volume the engine named itself (anonymous, or the image's VOLUME) as "/target". */
function mountsOf(mounts: Docker.ContainerInspectInfo["Mounts"]): string[] {
  return (mounts ?? [])
    .map((m) => {
      const anonymous = m.Type === "volume" && /^[0-9a-f]{64}$/.test(m.Name ?? "");
      const source = m.Type === "volume" ? m.Name : m.Source;
      return anonymous ? m.Destination : `${source}:${m.Destination}${m.RW ? "" : ":ro"}`;
    })
    .sort();
}

interface MountKey {
  source: string | null;
  target: string;
  readOnly: boolean;
}

function mountKey(spec: string): MountKey {
  const parts = spec.split(":");
  if (parts.length === 1) return { source: null, target: spec, readOnly: false };
  const options = parts.slice(2).join(",").split(",");
  return { source: parts[0], target: parts[1], readOnly: options.includes("ro") };
}

/**
 * Which observed keys differ from the template, by what they mean: networks by the names
 * joined (compose and Berth give different aliases), mounts by source, target and mode
 * (a volume the image declares is anonymous in both), ports by their bindings. Pure.
 */
export function containerDifferences(desired: ContainerAttributes, observed: Attributes): string[] {
  const differing: string[] = [];
  for (const key of Object.keys(observed)) {
    if (key === "name" || key === "container_id" || key === "published" || key === "endpoints") continue;
    const want = desired[key] as AttrValue | undefined;
    const have = observed[key];
    if (key === "networks") {
      if (!sameValue(Object.keys(desired.networks).sort(), Object.keys(have as Attributes).sort())) differing.push(key);
    } else if (key === "volumes") {
      if (!sameMounts(desired.volumes, have as string[])) differing.push(key);
    } else if (key === "ports") {
      if (!sameValue(sortPorts(desired.ports), have)) differing.push(key);
    } else if (key === "extra_hosts") {
      if (!sameValue([...(desired.extra_hosts ?? [])].sort(), have)) differing.push(key);
    } else if (key === "image_id") {
      // Not known yet (the tag is missing): nothing to compare with.
      if (want !== null && want !== undefined && !sameValue(want, have)) differing.push(key);
    } else if (!sameValue(want ?? null, have)) differing.push(key);
  }
  return differing.sort();
}

function sortPorts(ports: readonly PortAttr[]): AttrValue {
  return [...ports].sort((a, b) => a.container_port - b.container_port || a.protocol.localeCompare(b.protocol)) as unknown as AttrValue;
}

function sameMounts(desired: readonly string[], observed: readonly string[]): boolean {
  const key = (m: MountKey) => `${m.source ?? ""}|${m.target}|${m.readOnly}`;
  const want = new Set(desired.map((s) => key(mountKey(s))));
  const have = observed.map(mountKey);
  // The image's own anonymous volumes are in every container of it, Berth's too.
  const extra = have.filter((m) => !want.has(key(m)) && m.source !== null);
  const missing = [...want].filter((k) => !have.some((m) => key(m) === k));
  return extra.length === 0 && missing.length === 0;
}

/** Takes a container over: only its name changes, to the template's, when compose v2 named it otherwise. */
export async function adoptObject(docker: Docker, candidate: ImportCandidate, record: Attributes): Promise<Attributes> {
  if (candidate.type !== "container") return record;
  if (candidate.renameTo) await docker.getContainer(candidate.id).rename({ name: candidate.renameTo });
  return record;
}
