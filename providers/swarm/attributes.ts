/**
 * The attributes of swarm resources as providers/swarm/desired.ts produces them and the state
 * records them: compose's names (snake_case), durations in seconds, sizes in bytes, so a plan
 * reads like the template's `deploy:` section.
 */

import type { HealthcheckAttr } from "../docker/attributes.js";

export const LABEL_PROJECT = "berth.project";
export const LABEL_SERVICE = "berth.service";
/** Which of the project's networks, configs or secrets an object is (its key in the template). */
export const LABEL_KEY = "berth.key";

export interface SwarmPortAttr {
  target: number;
  /** null: the node picks a free port for each task. */
  published: number | null;
  protocol: "tcp" | "udp";
  /** Always "host": the routing mesh (ingress) needs IPVS; Berth's router takes its place. */
  mode: "host";
}

export interface UpdateConfigAttr {
  parallelism: number;
  delay_seconds: number;
  failure_action: "pause" | "continue" | "rollback";
  monitor_seconds: number;
  max_failure_ratio: number;
  order: "stop-first" | "start-first";
}

export interface RestartPolicyAttr {
  condition: "none" | "on-failure" | "any";
  delay_seconds: number | null;
  max_attempts: number | null;
  window_seconds: number | null;
}

export interface PlacementAttr {
  constraints: string[];
  /** `spread: node.labels.zone` entries, in order. */
  preferences: string[];
  max_replicas_per_node: number | null;
}

export interface ResourcesAttr {
  limits: { cpus: number | null; memory: number | null; pids: number | null };
  reservations: { cpus: number | null; memory: number | null };
}

/** A config or secret a service mounts, by the content-addressed swarm name it has now. */
export interface FileRefAttr {
  name: string;
  target: string;
  uid: string;
  gid: string;
  mode: number;
}

export interface MountAttr {
  type: "volume" | "bind";
  source: string;
  target: string;
  read_only: boolean;
}

export interface ServiceNetworkAttr {
  name: string;
  aliases: string[];
}

export interface ServiceAttributes {
  [key: string]: unknown;
  /** The swarm service's name: <project>_<service>. */
  name: string;
  project: string;
  service: string;
  /** As written in the template. */
  image: string;
  /** The manifest digest the registry gives the image now (resolved before planning); tasks run name@digest. */
  image_digest: string | null;
  replicas: number;
  /** Tasks that must be running: replicas. Observed lower when tasks are missing (a node down). */
  tasks_running: number;
  command: string[] | null;
  entrypoint: string[] | null;
  environment: Record<string, string>;
  /** Service labels (deploy.labels). */
  labels: Record<string, string>;
  /** Labels of the tasks' containers (the service's `labels:`). */
  container_labels: Record<string, string>;
  hostname: string | null;
  working_dir: string | null;
  user: string | null;
  healthcheck: HealthcheckAttr | null;
  update_config: UpdateConfigAttr;
  rollback_config: UpdateConfigAttr;
  restart_policy: RestartPolicyAttr;
  placement: PlacementAttr;
  resources: ResourcesAttr;
  endpoint_mode: "dnsrr" | "vip";
  ports: SwarmPortAttr[];
  networks: ServiceNetworkAttr[];
  configs: FileRefAttr[];
  secrets: FileRefAttr[];
  /** Named volumes (made on each node a task runs on) and bind mounts. */
  mounts: MountAttr[];
  /** Task settings the template sets (init, read_only, cap_add, ...), by compose key. */
  settings: Record<string, unknown>;
  stop_grace_period_seconds: number | null;
  /** Values the model found secret under other names (src/core/secrets.ts masks them everywhere). */
  sensitive_values: Record<string, string>;
  /** Set by apply. */
  service_id?: string | null;
}

export interface SwarmNetworkAttributes {
  [key: string]: unknown;
  name: string;
  project: string;
  key: string;
  driver: string;
  attachable: boolean;
  internal: boolean;
  driver_opts: Record<string, string>;
  labels: Record<string, string>;
  external: boolean;
  network_id?: string | null;
}

/** A config or a secret: immutable in a swarm, so its name carries a digest of its content. */
export interface SwarmFileAttributes {
  [key: string]: unknown;
  /** <project>_<key>_<first 12 hex of the digest>. */
  name: string;
  project: string;
  key: string;
  /** sha256:<hex> of a config's content; scrypt:<hex> of a secret's (salted: see desired.ts). */
  digest: string;
  content: string;
  object_id?: string | null;
}
