import { homedir } from "node:os";
import { resolve } from "node:path";
import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import type { ContainerAttributes, HealthcheckAttr, NetworkAttachmentAttr, PortAttr } from "./attributes.js";
import { LABEL_CONFIG_HASH, LABEL_INDEX, LABEL_PROJECT, LABEL_SERVICE } from "./attributes.js";

/** Marks the replacement started beside a routed replica until it takes the canonical name. */
export const LABEL_TEMPORARY = "berth.temporary";
/** Suffix of that replacement's name while both run. */
export const TEMPORARY_SUFFIX = "_next";

export interface SpecOptions {
  /** Docker name; the canonical `attrs.name` unless a temporary one is wanted. */
  name: string;
  temporary: boolean;
  stopTimeoutSeconds: number;
  /** For errors. */
  address: string;
}

/** What to ask the engine for: the create call (on the primary network), then the other networks to join before start. */
export interface ContainerSpec {
  create: Docker.ContainerCreateOptions;
  connect: { network: string; endpoint: Docker.EndpointSettings }[];
}

/** ContainerAttributes → the engine's create options. Pure: no I/O. */
export function containerSpec(attrs: ContainerAttributes, opts: SpecOptions): ContainerSpec {
  const volumes = attrs.volumes.map(parseVolume);
  const ports = portConfig(attrs.ports, attrs.expose);
  const create: Docker.ContainerCreateOptions = {
    name: opts.name,
    Image: attrs.image,
    Env: Object.keys(attrs.environment)
      .sort()
      .map((k) => `${k}=${attrs.environment[k]}`),
    Cmd: attrs.command ?? undefined,
    Entrypoint: attrs.entrypoint ?? undefined,
    Hostname: attrs.hostname ?? undefined,
    WorkingDir: attrs.working_dir ?? undefined,
    User: attrs.user ?? undefined,
    Labels: containerLabels(attrs, opts.temporary),
    ExposedPorts: ports.exposed,
    Volumes: anonymousVolumes(volumes),
    Healthcheck: attrs.healthcheck ? healthConfig(attrs.healthcheck) : undefined,
    StopTimeout: stopTimeoutOf(attrs, opts.stopTimeoutSeconds),
    StopSignal: attrs.stop_signal,
    Domainname: attrs.domainname,
    Tty: attrs.tty,
    OpenStdin: attrs.stdin_open,
    MacAddress: attrs.mac_address,
    HostConfig: {
      PortBindings: ports.bindings,
      RestartPolicy: restartPolicyOf(attrs.restart, opts.address),
      ExtraHosts: attrs.extra_hosts,
      Binds: volumes.flatMap((v) => (v.kind === "anonymous" ? [] : [v.bind])),
      NetworkMode: attrs.network_mode ?? primaryNetwork(attrs) ?? "none",
      VolumesFrom: attrs.volumes_from,
      ...engineSettings(attrs),
      ...resourceLimits(attrs),
    },
    NetworkingConfig: { EndpointsConfig: Object.fromEntries(endpoints(attrs).slice(0, 1)) },
    // A query parameter of the create call, as `docker create --platform` sends it.
    ...(attrs.platform ? { platform: attrs.platform } : {}),
  };
  // The engine takes one network at create before API 1.44: the others are joined before start.
  return { create, connect: endpoints(attrs).slice(1).map(([network, endpoint]) => ({ network, endpoint })) };
}

/** Networks in the order the container joins them: priority, then name (compose's rule). */
export function networksInOrder(attrs: ContainerAttributes): [string, NetworkAttachmentAttr][] {
  return Object.entries(attrs.networks).sort(([a, x], [b, y]) => y.priority - x.priority || (a < b ? -1 : a > b ? 1 : 0));
}

function primaryNetwork(attrs: ContainerAttributes): string | undefined {
  return networksInOrder(attrs)[0]?.[0];
}

/** Every network in joining order, aliases and fixed addresses with each. */
function endpoints(attrs: ContainerAttributes): [string, Docker.EndpointSettings][] {
  if (attrs.network_mode) return [];
  return networksInOrder(attrs).map(([name, a]) => {
    const ipam = a.ipv4_address || a.ipv6_address ? { IPAMConfig: { IPv4Address: a.ipv4_address ?? undefined, IPv6Address: a.ipv6_address ?? undefined } } : {};
    return [name, { Aliases: a.aliases, ...ipam }];
  });
}

/** The template's stop_grace_period, else Berth's own stop timeout. */
export function stopTimeoutOf(attrs: ContainerAttributes, fallbackSeconds: number): number {
  return attrs.stop_grace_period ?? fallbackSeconds;
}

/** HostConfig fields for the engine settings a template may set; unset ones stay undefined (the engine's default). */
function engineSettings(attrs: ContainerAttributes): Docker.HostConfig & { CgroupnsMode?: string } {
  const logging = attrs.logging;
  return {
    Init: attrs.init,
    Privileged: attrs.privileged,
    ReadonlyRootfs: attrs.read_only,
    CapAdd: attrs.cap_add,
    CapDrop: attrs.cap_drop,
    SecurityOpt: attrs.security_opt,
    Sysctls: attrs.sysctls,
    Ulimits: attrs.ulimits && Object.entries(attrs.ulimits).map(([Name, { soft, hard }]) => ({ Name, Soft: soft, Hard: hard })),
    Tmpfs: attrs.tmpfs,
    ShmSize: attrs.shm_size,
    Dns: attrs.dns,
    DnsSearch: attrs.dns_search,
    DnsOptions: attrs.dns_opt,
    Devices: attrs.devices?.map((device) => {
      const [PathOnHost, PathInContainer, CgroupPermissions] = device.split(":");
      return { PathOnHost, PathInContainer, CgroupPermissions };
    }),
    GroupAdd: attrs.group_add,
    PidMode: attrs.pid,
    IpcMode: attrs.ipc,
    LogConfig: logging && { Type: logging.driver ?? "", Config: logging.options },
    Runtime: attrs.runtime,
    CgroupParent: attrs.cgroup_parent,
    OomScoreAdj: attrs.oom_score_adj,
    StorageOpt: attrs.storage_opt,
    UTSMode: attrs.uts,
    UsernsMode: attrs.userns_mode,
    // The engine's API has it since 1.41; the client's types do not yet.
    CgroupnsMode: attrs.cgroup,
    CpusetCpus: attrs.cpuset,
    CpuPeriod: attrs.cpu_period,
    CpuQuota: attrs.cpu_quota,
    OomKillDisable: attrs.oom_kill_disable,
    MemorySwappiness: attrs.mem_swappiness,
    DeviceCgroupRules: attrs.device_cgroup_rules,
  };
}

/** The limits Docker can also change on a running container (schema.ts UPDATABLE_LIMITS), as create takes them. */
function resourceLimits(attrs: ContainerAttributes): Docker.HostConfig {
  return {
    Memory: attrs.mem_limit,
    MemoryReservation: attrs.mem_reservation,
    MemorySwap: attrs.memswap_limit,
    NanoCpus: attrs.cpus === undefined ? undefined : Math.round(attrs.cpus * 1e9),
    CpuShares: attrs.cpu_shares,
    PidsLimit: attrs.pids_limit,
  };
}

/**
 * The body of the engine's container update that brings a running container from `before`
 * to `after`: the restart policy and the limits that changed. Lifting a pids limit sends -1;
 * the other limits cannot be lifted (the schema replaces the container instead). A raised
 * memory limit carries its swap limit along (twice the memory, the engine's default) because the
 * engine refuses a memory limit above the swap limit it already has.
 */
export function containerUpdate(before: ContainerAttributes, after: ContainerAttributes, address: string): Record<string, unknown> {
  const update: Record<string, unknown> = {};
  const changed = (key: keyof ContainerAttributes) => JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null);
  if (changed("restart")) update.RestartPolicy = restartPolicyOf(after.restart, address);
  const limits = resourceLimits(after);
  if (changed("mem_limit") || changed("memswap_limit")) {
    update.Memory = limits.Memory;
    update.MemorySwap = after.memswap_limit ?? (after.mem_limit === undefined ? undefined : after.mem_limit * 2);
  }
  if (changed("mem_reservation")) update.MemoryReservation = limits.MemoryReservation;
  if (changed("cpus")) update.NanoCpus = limits.NanoCpus;
  if (changed("cpu_shares")) update.CpuShares = limits.CpuShares;
  if (changed("pids_limit")) update.PidsLimit = after.pids_limit ?? -1;
  return Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined));
}

export function containerLabels(attrs: ContainerAttributes, temporary: boolean): Record<string, string> {
  return {
    ...attrs.labels,
    [LABEL_PROJECT]: attrs.project,
    [LABEL_SERVICE]: attrs.service,
    [LABEL_INDEX]: String(attrs.index),
    [LABEL_CONFIG_HASH]: attrs.config_hash,
    ...(temporary ? { [LABEL_TEMPORARY]: "true" } : {}),
  };
}

function portConfig(ports: PortAttr[], expose: number[]) {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const port of expose) exposed[`${port}/tcp`] = {};
  for (const p of ports) {
    const key = `${p.container_port}/${p.protocol}`;
    exposed[key] = {};
    // HostPort "" lets the engine pick a free port; apply records the one it picked.
    (bindings[key] ??= []).push({ HostIp: p.host_ip, HostPort: p.host_port === null ? "" : String(p.host_port) });
  }
  return { exposed, bindings };
}

export interface RestartPolicy {
  Name: "no" | "always" | "unless-stopped" | "on-failure";
  MaximumRetryCount?: number;
}

/** "no" | "always" | "unless-stopped" | "on-failure[:N]" → the engine's RestartPolicy. */
export function parseRestartPolicy(restart: string): RestartPolicy | null {
  const value = restart.trim();
  if (value === "" || value === "no") return { Name: "no" };
  if (value === "always" || value === "unless-stopped") return { Name: value };
  const onFailure = /^on-failure(?::(\d+))?$/.exec(value);
  if (!onFailure) return null;
  return onFailure[1] === undefined ? { Name: "on-failure" } : { Name: "on-failure", MaximumRetryCount: Number(onFailure[1]) };
}

export function restartPolicyOf(restart: string, address: string): RestartPolicy {
  const policy = parseRestartPolicy(restart);
  if (!policy) {
    throw new UserError(
      "E_RESTART",
      `restart must be one of no, always, unless-stopped, on-failure[:N]; got '${restart}'`,
      { address },
    );
  }
  return policy;
}

export type VolumeMount =
  | { kind: "bind"; bind: string }
  | { kind: "named"; name: string; bind: string }
  | { kind: "anonymous"; target: string };

/** "/host:/ctr[:ro]" (bind), "name:/ctr[:ro]" (named volume), "/ctr" (anonymous volume). */
export function parseVolume(spec: string): VolumeMount {
  const parts = spec.split(":");
  if (parts.length === 1) return { kind: "anonymous", target: spec };
  const [source, ...rest] = parts;
  if (isHostPath(source)) return { kind: "bind", bind: [hostPath(source), ...rest].join(":") };
  return { kind: "named", name: source, bind: spec };
}

function isHostPath(source: string): boolean {
  return source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
}

/**
 * The engine wants absolute host paths. The model already made relative ones absolute against
 * the template's folder (compose's rule); ~ is the home folder of whoever runs Berth.
 */
function hostPath(source: string): string {
  if (source === "~" || source.startsWith("~/")) return homedir() + source.slice(1);
  return resolve(source);
}

function anonymousVolumes(volumes: VolumeMount[]): Record<string, object> | undefined {
  const anonymous = volumes.flatMap((v) => (v.kind === "anonymous" ? [v.target] : []));
  return anonymous.length ? Object.fromEntries(anonymous.map((t) => [t, {}])) : undefined;
}

const NS_PER_SECOND = 1_000_000_000;

/**
 * The engine's HealthConfig. An empty test keeps the image's HEALTHCHECK test (only timings
 * change). StartInterval needs engine API 1.44; older engines ignore it and probe at Interval.
 */
export function healthConfig(h: HealthcheckAttr): Docker.HealthConfig & { StartInterval?: number } {
  const ns = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? undefined : Math.round(seconds * NS_PER_SECOND));
  return {
    Test: h.test.length > 0 ? healthTest(h.test) : undefined,
    Interval: ns(h.interval_seconds),
    Timeout: ns(h.timeout_seconds),
    StartPeriod: ns(h.start_period_seconds),
    StartInterval: ns(h.start_interval_seconds),
    Retries: h.retries ?? undefined,
  };
}

/** ["CMD", ...] / ["CMD-SHELL", "..."] / ["NONE"] as compose writes them; a bare command is a shell line. */
function healthTest(test: string[]): string[] {
  if (["CMD", "CMD-SHELL", "NONE"].includes(test[0] ?? "")) return test;
  return test.length === 1 ? ["CMD-SHELL", test[0]] : ["CMD", ...test];
}

/**
 * Whether readiness may wait for a health status: "declared" when the template gives a test,
 * "disabled" by `disable: true` (or test NONE), else "image" (the engine reports one if the image has a HEALTHCHECK).
 */
export function healthcheckMode(attrs: ContainerAttributes): "declared" | "disabled" | "image" {
  const test = attrs.healthcheck?.test ?? [];
  if (test[0] === "NONE") return "disabled";
  return test.length > 0 ? "declared" : "image";
}

/** "8080/tcp" → the host port the engine bound (the first binding of each published port). */
export function publishedPorts(info: Docker.ContainerInspectInfo): Record<string, number> {
  const published: Record<string, number> = {};
  const ports = (info.NetworkSettings?.Ports ?? {}) as Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
  for (const [key, bindings] of Object.entries(ports)) {
    const hostPort = Number(bindings?.[0]?.HostPort);
    if (Number.isInteger(hostPort) && hostPort > 0) published[key] = hostPort;
  }
  return published;
}
