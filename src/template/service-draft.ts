import type { SourceLoc } from "../core/errors.js";
import type { KeyValue } from "./key-values.js";
import type { LoadContext, YamlNode } from "./load-context.js";
import type { AliyunSpec, ServiceSpec } from "./types.js";

/** A reference from one service to another, kept with where it was written for the semantic checks. */
export interface ServiceReference {
  kind: "links" | "depends_on" | "aliyun.depends" | "network_mode" | "volumes_from";
  service: string;
  loc: SourceLoc;
}

/** A replica count from one of the three places it may be set. */
export interface ScaleSource {
  setting: "aliyun.scale" | "scale" | "deploy.replicas";
  value: number;
  loc: SourceLoc;
}

/**
 * A service while its keys are being read. Parts that combine several keys (env_file +
 * environment, labels + scale) wait here until every key has been seen.
 */
export interface ServiceDraft {
  spec: ServiceSpec;
  envFromFiles: Record<string, string>;
  envFromKey: Record<string, string>;
  labels: KeyValue[];
  scales: ScaleSource[];
  references: ServiceReference[];
  /** Where each entry of spec.ports was written (a range's mappings share one). */
  portLocs: SourceLoc[];
  /** Where each entry of spec.volumes was written. */
  volumeLocs: SourceLoc[];
  /** Limits and restart policies, from the service's own keys and from deploy:, settled once all are read. */
  overlaps: SettingSource[];
}

/** One value for a setting that two keys may give (mem_limit and deploy.resources.limits.memory). */
export interface SettingSource {
  /** The setting it fills: a ContainerSettings key, or "restart". */
  setting: string;
  /** The key it was written as, for messages. */
  writtenAs: string;
  value: number | string;
  loc: SourceLoc;
}

/** What a key reader gets: the key's name and place, and its (alias-resolved) value. */
export interface KeyInput {
  ctx: LoadContext;
  /** The service being read, for messages. */
  service: string;
  key: string;
  keyLoc: SourceLoc;
  value: YamlNode;
  valueLoc: SourceLoc;
}

export type KeyReader = (input: KeyInput, draft: ServiceDraft) => void;

export function defaultAliyun(): AliyunSpec {
  return {
    scale: 1,
    routes: [],
    sessionSticky: false,
    rollingUpdates: false,
    parallelism: 1,
    probe: null,
    depends: [],
    addon: [],
    logs: [],
    global: false,
  };
}

export function newDraft(name: string, loc: SourceLoc): ServiceDraft {
  return {
    spec: {
      name,
      loc,
      image: null,
      build: null,
      pullPolicy: null,
      command: null,
      entrypoint: null,
      environment: {},
      expose: [],
      ports: [],
      links: [],
      extraHosts: [],
      labels: {},
      restart: null,
      volumes: [],
      networks: null,
      networkMode: null,
      files: [],
      dependsOn: [],
      healthcheck: null,
      hostname: null,
      workingDir: null,
      user: null,
      aliyun: defaultAliyun(),
      containerName: null,
      volumesFrom: [],
      profiles: [],
      settings: {},
      deploy: {},
      keyLocs: {},
    },
    envFromFiles: {},
    envFromKey: {},
    labels: [],
    scales: [],
    references: [],
    portLocs: [],
    volumeLocs: [],
    overlaps: [],
  };
}
