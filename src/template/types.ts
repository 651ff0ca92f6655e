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
  /** Services left out because none of their profiles is enabled, sorted. */
  inactiveServices: string[];
  warnings: Diagnostic[];
  /** sha256 of the template text (and env files it read): saved plans check it. */
  hash: string;
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
  /** ["CMD", ...] / ["CMD-SHELL", "..."] / ["NONE"] */
  test: string[];
  intervalSeconds: number | null;
  timeoutSeconds: number | null;
  retries: number | null;
  startPeriodSeconds: number | null;
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

export interface BuildSpec {
  context: string;
  dockerfile: string | null;
  args: Record<string, string>;
}

export interface ServiceSpec {
  name: string;
  loc: SourceLoc;
  image: string | null;
  build: BuildSpec | null;
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
  dependsOn: string[];
  healthcheck: Healthcheck | null;
  hostname: string | null;
  workingDir: string | null;
  user: string | null;
  aliyun: AliyunSpec;
  /** container_name: the Docker name of the one replica (refused with more than one). */
  containerName: string | null;
  /** Compose profiles the service belongs to; none: always active. */
  profiles: string[];
  /** Engine settings (keys-container.ts), by compose key; a key left unset is absent. */
  settings: ContainerSettings;
  /** Where each key of the service was written: semantic errors point here ("links", "ports", "labels.aliyun.scale"). */
  keyLocs: Record<string, SourceLoc>;
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
