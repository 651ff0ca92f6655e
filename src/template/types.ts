import type { Diagnostic, SourceLoc } from "../core/errors.js";

/** A compose template, loaded, interpolated and validated: what the model reads. */
export interface Template {
  /** Path as given (relative paths stay relative so messages and goldens are stable). */
  file: string;
  /** Directory of the template (absolute): build contexts, env_file and .env are relative to it. */
  dir: string;
  /** Top-level `name:` if present. */
  name: string | null;
  /** Active services (profiles applied), sorted by name. */
  services: ServiceSpec[];
  /** Top-level `networks:` declarations, sorted by key. */
  networks: NetworkDecl[];
  /** Top-level `secrets:` and `configs:`, with their contents. */
  files: FileDecl[];
  /** Top-level `volumes:` declarations, sorted by key (the v1 flat format has none). */
  volumes: VolumeDecl[];
  /** v1: services at the top (the article's format); services: the later format with `services:`. */
  format: "v1" | "services";
  /** `x-berth: {engine: docker|swarm}` when the template names the engine it runs on. */
  engine: { value: string; loc: SourceLoc } | null;
  /** Services left out because none of their profiles is enabled, sorted. */
  inactiveServices: string[];
  warnings: Diagnostic[];
  /** sha256 of the template text (and env files it read): saved plans check it. */
  hash: string;
}

/** One entry of the top-level `volumes:` map. */
export interface VolumeDecl {
  /** The key services use to mount it ("db-data" in "db-data:/var/lib/mysql"). */
  key: string;
  /** `name:` as written: the Docker name instead of <project>_<key>. */
  name: string | null;
  /** Made outside the project: must exist, never created or deleted by Berth. */
  external: boolean;
  driver: string | null;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
  loc: SourceLoc;
}

/** One address pool of a network's ipam.config (snake_case: it is recorded as written). */
export interface IpamPool {
  subnet: string | null;
  ip_range: string | null;
  gateway: string | null;
  aux_addresses: Record<string, string>;
}

/** One entry of the top-level `networks:` map. */
export interface NetworkDecl {
  key: string;
  /** `name:`: the Docker name instead of <project>_<key>. */
  name: string | null;
  external: boolean;
  driver: string | null;
  driverOpts: Record<string, string>;
  ipam: { driver: string | null; config: IpamPool[]; options: Record<string, string> } | null;
  internal: boolean;
  attachable: boolean;
  enableIpv6: boolean;
  labels: Record<string, string>;
  loc: SourceLoc;
}

/** A service's place on one network. */
export interface ServiceNetwork {
  key: string;
  aliases: string[];
  ipv4Address: string | null;
  ipv6Address: string | null;
  /** Higher joins first (compose's priority): the first network is the container's primary one. */
  priority: number;
  loc: SourceLoc;
}

/** `network_mode:` the container shares another network stack instead of joining project networks. */
export type NetworkMode =
  | { kind: "host" | "none" | "bridge" }
  | { kind: "service"; service: string }
  | { kind: "container"; container: string };

export type FileKind = "secret" | "config";

/** One entry of the top-level `secrets:` or `configs:`, its content already read. */
export interface FileDecl {
  kind: FileKind;
  key: string;
  content: string;
  loc: SourceLoc;
}

/** A secret or config a service mounts. */
export interface ServiceFile {
  kind: FileKind;
  key: string;
  /** Absolute path in the container (/run/secrets/<key> and /<key> unless `target:`). */
  target: string;
  uid: string | null;
  gid: string | null;
  mode: number;
  loc: SourceLoc;
}

export type Protocol = "tcp" | "udp";

/** One `ports:` entry after parsing every short and long form. A range expands to several. */
export interface PortMapping {
  containerPort: number;
  protocol: Protocol;
  /** null: Docker assigns one. */
  hostPort: number | null;
  /** null: Berth's publish address (127.0.0.1 by default). */
  hostIp: string | null;
}

export interface Link {
  service: string;
  alias: string;
}

export interface ExtraHost {
  host: string;
  ip: string;
}

export interface Healthcheck {
  /** ["CMD", ...] / ["CMD-SHELL", "..."] / ["NONE"]; [] keeps the image's test (only timings given). */
  test: string[];
  intervalSeconds: number | null;
  timeoutSeconds: number | null;
  retries: number | null;
  startPeriodSeconds: number | null;
  /** How often to probe during start_period (engine API ≥ 1.44; older engines probe at `interval`). */
  startIntervalSeconds: number | null;
}

/** What a dependency must reach before a dependent's container is created (compose's depends_on long form). */
export type DependencyConditionName = "service_started" | "service_healthy" | "service_completed_successfully";

export interface ServiceDependency {
  service: string;
  condition: DependencyConditionName;
  /** false: a dependency that is missing or not running is no error (compose's rule). */
  required: boolean;
  /** true: the dependent is restarted when the dependency is replaced or updated. */
  restart: boolean;
  loc: SourceLoc;
}

export type RouteScheme = "http" | "https" | "ws" | "wss" | "tcp";

/** One virtual host from `aliyun.routing.port_<N>`. */
export interface RouteSpec {
  containerPort: number;
  scheme: RouteScheme;
  /** Full host name: a bare name gets the default domain ("tomcat-sample" → "tomcat-sample.localhost"). */
  host: string;
  /** Context path, "" or "/context". */
  context: string;
  loc: SourceLoc;
}

export interface ProbeSpec {
  url: string | null;
  cmd: string | null;
  timeoutSeconds: number;
  initialDelaySeconds: number;
}

export interface AliyunSpec {
  scale: number;
  routes: RouteSpec[];
  sessionSticky: boolean;
  rollingUpdates: boolean;
  parallelism: number;
  probe: ProbeSpec | null;
  depends: string[];
  addon: string[];
  /** Paths from aliyun.logs (a per-service volume is mounted at each). */
  logs: string[];
  global: boolean;
}

/** `build:` with the keys the engine's classic builder supports; every other key is refused at load. */
export interface BuildSpec {
  /** As written; relative to the template's folder. */
  context: string;
  /** The context as an absolute path (resolved against the template's folder when loading). */
  contextDir: string;
  /** Relative to the context (as compose reads it); null: "Dockerfile". */
  dockerfile: string | null;
  /** The Dockerfile's text written in the template (exclusive with `dockerfile`). */
  dockerfileInline: string | null;
  args: Record<string, string>;
  target: string | null;
  labels: Record<string, string>;
  /** Network for RUN steps ("host", "none", "default"). */
  network: string | null;
  /** Bytes. */
  shmSize: number | null;
  /** "host:ip", sorted. */
  extraHosts: string[];
}

/** compose's pull_policy (`if_not_present` is read as `missing`). */
export type PullPolicy = "always" | "missing" | "never" | "build";

export interface ServiceSpec {
  name: string;
  loc: SourceLoc;
  image: string | null;
  build: BuildSpec | null;
  /** null: not written (a build service builds; an image service pulls when missing). */
  pullPolicy: PullPolicy | null;
  command: string[] | null;
  entrypoint: string[] | null;
  environment: Record<string, string>;
  /** Container ports from `expose:` (numbers; "8080/tcp" → 8080). */
  expose: number[];
  ports: PortMapping[];
  links: Link[];
  extraHosts: ExtraHost[];
  /** Every label as written, aliyun.* included. */
  labels: Record<string, string>;
  restart: string | null;
  volumes: string[];
  /** `networks:` as written; null when not written (the service joins the project's default network). */
  networks: ServiceNetwork[] | null;
  networkMode: NetworkMode | null;
  /** `secrets:` and `configs:` the service mounts. */
  files: ServiceFile[];
  /** depends_on as written; the short (list) form means service_started, required, no restart. */
  dependsOn: ServiceDependency[];
  healthcheck: Healthcheck | null;
  hostname: string | null;
  workingDir: string | null;
  user: string | null;
  aliyun: AliyunSpec;
  /** container_name: the Docker name of the one replica (refused with more than one). */
  containerName: string | null;
  /** `volumes_from:` whose mounts the container takes, in order. */
  volumesFrom: VolumesFrom[];
  /** Compose profiles the service belongs to; none: always active. */
  profiles: string[];
  /** Engine settings (keys-container.ts), by compose key; a key left unset is absent. */
  settings: ContainerSettings;
  /**
   * `deploy:` entries other than replicas, as written (plain JSON values): an engine that runs
   * services rather than containers (swarm) reads them whole; one engine reads `settings`.
   */
  deploy: Record<string, DeployEntry>;
  /** Where each key of the service was written: semantic errors point here ("links", "ports", "labels.aliyun.scale"). */
  keyLocs: Record<string, SourceLoc>;
}

export interface DeployEntry {
  value: unknown;
  loc: SourceLoc;
}

export interface Ulimit {
  soft: number;
  hard: number;
}

export interface LoggingSpec {
  driver: string | null;
  options: Record<string, string>;
}

/**
 * Container settings as the engine takes them, named by their compose key so plans read like
 * the template. Sizes are bytes, durations seconds, cpus a fraction of CPUs.
 */
export interface ContainerSettings {
  init?: boolean;
  privileged?: boolean;
  read_only?: boolean;
  tty?: boolean;
  stdin_open?: boolean;
  stop_signal?: string;
  stop_grace_period?: number;
  domainname?: string;
  runtime?: string;
  cgroup_parent?: string;
  platform?: string;
  pid?: string;
  ipc?: string;
  cap_add?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  group_add?: string[];
  /** "/path" → mount options ("" for none). */
  tmpfs?: Record<string, string>;
  /** "host:container:permissions", permissions defaulted to rwm. */
  devices?: string[];
  sysctls?: Record<string, string>;
  ulimits?: Record<string, Ulimit>;
  storage_opt?: Record<string, string>;
  logging?: LoggingSpec;
  shm_size?: number;
  oom_score_adj?: number;
  mem_limit?: number;
  mem_reservation?: number;
  /** -1: unlimited swap. */
  memswap_limit?: number;
  cpus?: number;
  cpu_shares?: number;
  /** -1: unlimited. */
  pids_limit?: number;
  uts?: string;
  userns_mode?: string;
  cgroup?: string;
  cpuset?: string;
  cpu_period?: number;
  cpu_quota?: number;
  oom_kill_disable?: boolean;
  mem_swappiness?: number;
  device_cgroup_rules?: string[];
  mac_address?: string;
}

export interface LoadOptions {
  /** Environment for interpolation (process.env merged over the .env beside the template by the loader). */
  env: Record<string, string | undefined>;
  /** Default domain for bare virtual hosts. */
  domain: string;
  /** Enabled compose profiles ("*": all); services with other profiles are left out. */
  profiles?: readonly string[];
  /** Services targeted by name, active whatever their profiles. */
  services?: readonly string[];
}

/** One `volumes_from:` entry: another service's (first replica's) mounts, or a container's. */
export interface VolumesFrom {
  kind: "service" | "container";
  /** The service or the container's name. */
  name: string;
  readOnly: boolean;
  loc: SourceLoc;
}
