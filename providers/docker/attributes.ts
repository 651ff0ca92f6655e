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
  /** The project network the container joins. */
  network: string;
  /** DNS aliases on the project network: service, <service>_<i+1>, link aliases. */
  aliases: string[];
  healthcheck: HealthcheckAttr | null;
  /** Desired: true. Observed false = stopped outside Berth, started in place. */
  running: boolean;
  /**
   * How a replacement rolls out: routed replicas with no fixed host port start their
   * replacement first; `parallelism` replicas of a service at a time (aliyun.rolling_updates.parallelism).
   */
  rollout: { create_before_destroy: boolean; parallelism: number };
  /**
   * Secret values found in the service where no secret-looking key names them (an interpolated
   * ${DB_PASSWORD}, values marked with berth.sensitive): every output masks and scrubs them.
   */
  sensitive_values: Record<string, string>;
  /** sha256 of every attribute that forces replacement (not running, restart, image_id, rollout): the berth.config-hash label. */
  config_hash: string;
  /** Computed by apply. */
  container_id?: string | null;
  /** Computed by apply: "8080/tcp" → host port Docker assigned (or the fixed one). */
  published?: Record<string, number> | null;
}

export interface NetworkAttributes {
  [key: string]: unknown;
  /** <project>_default */
  name: string;
  project: string;
  network_id?: string | null;
}

/** Labels every Berth container carries (DESIGN.md): one list call finds a project's containers. */
export const LABEL_PROJECT = "berth.project";
export const LABEL_SERVICE = "berth.service";
export const LABEL_INDEX = "berth.index";
export const LABEL_CONFIG_HASH = "berth.config-hash";
