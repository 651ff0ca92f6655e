import type { Diagnostic, SourceLoc } from "../core/errors.js";

/** A compose template, loaded, interpolated and validated: what the model reads. */
export interface Template {
  /** Path as given (relative paths stay relative so messages and goldens are stable). */
  file: string;
  /** Directory of the template (absolute): build contexts, env_file and .env are relative to it. */
  dir: string;
  /** Top-level `name:` if present. */
  name: string | null;
  /** Services sorted by name. */
  services: ServiceSpec[];
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
  dependsOn: string[];
  healthcheck: Healthcheck | null;
  hostname: string | null;
  workingDir: string | null;
  user: string | null;
  aliyun: AliyunSpec;
  /** Where each key of the service was written: semantic errors point here ("links", "ports", "labels.aliyun.scale"). */
  keyLocs: Record<string, SourceLoc>;
}

export interface LoadOptions {
  /** Environment for interpolation (process.env merged over the .env beside the template by the loader). */
  env: Record<string, string | undefined>;
  /** Default domain for bare virtual hosts. */
  domain: string;
}
