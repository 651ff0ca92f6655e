import type { ContainerSettings } from "../../src/template/types.js";

/**
 * The attributes of Docker resources as the model produces them and the state records them.
 * snake_case keys: they appear in plan JSON and state files, which users read.
 */
export interface PortAttr {
  container_port: number;
  protocol: "tcp" | "udp";
  /** Address the port is published on (127.0.0.1 unless --publish-address). */
  host_ip: string;
  /** null: Docker assigns one (recorded in `published` after apply). */
  host_port: number | null;
}

export interface HealthcheckAttr {
  test: string[];
  interval_seconds: number | null;
  timeout_seconds: number | null;
  retries: number | null;
  start_period_seconds: number | null;
  /** Probe period during start_period (engine API ≥ 1.44); absent when the template sets none. */
  start_interval_seconds?: number;
}

/** What a container records about one network it joins. */
export interface NetworkAttachmentAttr {
  aliases: string[];
  ipv4_address: string | null;
  ipv6_address: string | null;
  /** Higher joins first; the first is the network the container is created on. */
  priority: number;
}

/** A file written into the container before it starts (a compose secret or config). */
export interface FileAttr {
  /** "secret:<name>" (content in sensitive_values) or "config:<name>" (content in config_contents). */
  source: string;
  uid: string | null;
  gid: string | null;
  mode: number;
}

/**
 * A container's attributes. The engine settings (init, cap_add, mem_limit, ...) keep their
 * compose names and are present only when the template sets them, so a template that sets
 * none plans exactly as before they existed.
 */
export interface ContainerAttributes extends ContainerSettings {
  [key: string]: unknown;
  /** Docker name: <project>_<service>_<i+1>, or the template's container_name. */
  name: string;
  project: string;
  service: string;
  index: number;
  image: string;
  /** The image ID the tag pointed to when planned: a rebuilt tag means replace. null: not present yet. */
  image_id: string | null;
  command: string[] | null;
  entrypoint: string[] | null;
  /** Template environment plus the legacy link variables (MYSQL_PORT_3306_TCP, ...). */
  environment: Record<string, string>;
  /** User labels (aliyun.* ones steer Berth and stay off the container); berth.* labels are added by the provider. */
  labels: Record<string, string>;
  hostname: string | null;
  working_dir: string | null;
  user: string | null;
  restart: string;
  /** "host:ip", sorted. */
  extra_hosts: string[];
  ports: PortAttr[];
  expose: number[];
  /** As written ("/host:/ctr", "name:/ctr"), plus "<project>_<service>_logs_<n>:<path>" for aliyun.logs. */
  volumes: string[];
  /** Docker's NetworkMode when the container shares a stack (host, none, container:<name>); null: it joins `networks`. */
  network_mode: string | null;
  /** Docker's VolumesFrom: "<container name>:ro|rw", the mounts taken from other containers. */
  volumes_from?: string[];
  /** Docker network name → DNS aliases (service, <service>_<i+1>, link aliases, declared ones) and fixed addresses. */
  networks: Record<string, NetworkAttachmentAttr>;
  healthcheck: HealthcheckAttr | null;
  /**
   * Desired: true. Observed false = stopped outside Berth, started in place. A one-shot
   * container that exited with code 0 is observed as running: it did what it is for.
   */
  running: boolean;
  /** Present (true) on a service another waits on with service_completed_successfully: it runs once. */
  one_shot?: boolean;
  /**
   * How a replacement rolls out: routed replicas with no fixed host port start their
   * replacement first; `parallelism` replicas of a service at a time (aliyun.rolling_updates.parallelism).
   */
  rollout: { create_before_destroy: boolean; parallelism: number };
  /**
   * Secret values found in the service where no secret-looking key names them (an interpolated
   * ${DB_PASSWORD}, values marked with berth.sensitive): the plan marks them, every output masks them.
   */
  sensitive_values: Record<string, string>;
  /** Path in the container → the secret or config written there before start. */
  files: Record<string, FileAttr>;
  /** Config name → its content (secrets' contents are among sensitive_values). */
  config_contents: Record<string, string>;
  /** sha256 of every attribute that forces replacement (not running, restart, image_id, rollout): the berth.config-hash label. */
  config_hash: string;
  /** pull_policy of a service without build: (only when written): always, missing, never. */
  pull_policy?: "always" | "missing" | "never";
  /** Computed by apply. */
  container_id?: string | null;
  /** Computed by apply: "8080/tcp" → host port Docker assigned (or the fixed one). */
  published?: Record<string, number> | null;
  /** Computed by apply: "8080/tcp" → ["127.0.0.1:32768"], where the port is reached from this machine (none when stopped). */
  endpoints?: Record<string, string[]> | null;
}

/** How an image resource comes to be: built from its context, built only when the tag is missing, or never built (--no-build). */
export type ImagePolicy = "build" | "missing" | "never";

/** An image built from `build:` (address image.<service>). */
export interface ImageAttributes {
  [key: string]: unknown;
  /** `image:` if given, else <project>-<service> (docker compose v2's name). */
  tag: string;
  project: string;
  service: string;
  /** Absolute folder of the build context. */
  context: string;
  /** Relative to the context; null with dockerfile_inline. */
  dockerfile: string | null;
  dockerfile_inline: string | null;
  args: Record<string, string>;
  target: string | null;
  labels: Record<string, string>;
  network: string | null;
  /** Bytes. */
  shm_size: number | null;
  /** "host:ip", sorted. */
  extra_hosts: string[];
  policy: ImagePolicy;
  /**
   * sha256 over every file the build sees (.dockerignore applied, the Dockerfile always):
   * resolved from the files before planning; null until then.
   */
  context_digest: string | null;
  /** Path in the context → sha256 of its content ("+x" appended when executable, "-> target" for a symlink). */
  files: Record<string, string> | null;
  /** Computed by apply: the ID of the image built (or found, for policy missing/never). */
  image_id?: string | null;
}

export interface NetworkAttributes {
  [key: string]: unknown;
  /** <project>_<key> unless `name:`; external ones as written. */
  name: string;
  project: string;
  /** Options appear only when the template sets them. */
  external?: boolean;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: { driver: string | null; config: { subnet: string | null; ip_range: string | null; gateway: string | null; aux_addresses: Record<string, string> }[]; options: Record<string, string> };
  internal?: boolean;
  attachable?: boolean;
  enable_ipv6?: boolean;
  labels?: Record<string, string>;
  network_id?: string | null;
}

export interface VolumeAttributes {
  [key: string]: unknown;
  /** Docker name: <project>_<key> unless `name:` (or as written in the v1 format). */
  name: string;
  project: string;
  /** null for an external volume: Berth does not choose it. */
  driver: string | null;
  driver_opts: Record<string, string>;
  labels: Record<string, string>;
  /** Made outside the project: never created or deleted by Berth. */
  external: boolean;
}

/** Labels every Berth container carries (DESIGN.md): one list call finds a project's containers. */
export const LABEL_PROJECT = "berth.project";
export const LABEL_SERVICE = "berth.service";
export const LABEL_INDEX = "berth.index";
export const LABEL_CONFIG_HASH = "berth.config-hash";
/** On every image Berth builds, with berth.project: the previous builds of a service are found by them. */
export const LABEL_IMAGE_SERVICE = "berth.image-service";
