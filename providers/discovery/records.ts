import type { Attributes } from "../../src/core/types.js";

/**
 * Where discovery records live in etcd, and their shapes: the article's
 * `/services/{serviceId}` answer, split in two so that each writer owns its keys:
 *
 *   /berth/services/<project>_<service>                       {"Service": {...}}   written by apply
 *   /berth/services/<project>_<service>/containers/<id>       {name, node, ...}    apply (snapshot), agent (leased)
 *
 * The API server composes them back into `{ Service, Containers }`.
 */
export const SERVICES_ROOT = "/berth/services/";

export interface ServicePart {
  name: string;
  project: string;
  definition: Attributes;
  extensions: Attributes;
}

export interface ServiceRecord {
  Service: ServicePart;
}

/** One container of a service, in the article's shape plus `published` (host ports on 127.0.0.1). */
export interface ContainerEntry {
  /** "/<project>_<service>_<n>", as Docker names it. */
  name: string;
  /** Host name of the machine that runs it. */
  node: string;
  /** Address on the project network: informational only (this machine reaches containers through published ports). */
  ip: string;
  running: boolean;
  /** Docker's state: running, exited, created, restarting, ... */
  status: string;
  /** "success" (healthy, or running without a healthcheck), "failure", "starting". */
  health: string;
  /** "8080/tcp" → host port, as the Docker provider records `published`. */
  published: Record<string, number>;
}

/** The article's JSON: what `GET /services/{serviceId}` answers. */
export interface ServiceView {
  Service: ServicePart;
  Containers: Record<string, ContainerEntry>;
}

export function serviceId(project: string, service: string): string {
  return `${project}_${service}`;
}

export function serviceKey(id: string): string {
  return `${SERVICES_ROOT}${id}`;
}

export function containersPrefix(id: string): string {
  return `${serviceKey(id)}/containers/`;
}

export function containerKey(id: string, containerId: string): string {
  return `${containersPrefix(id)}${containerId}`;
}

export type ParsedKey = { kind: "service"; id: string } | { kind: "container"; id: string; containerId: string };

/** What a key under SERVICES_ROOT is; null for anything else. */
export function parseKey(key: string): ParsedKey | null {
  if (!key.startsWith(SERVICES_ROOT)) return null;
  const rest = key.slice(SERVICES_ROOT.length);
  const container = /^([^/]+)\/containers\/([^/]+)$/.exec(rest);
  if (container) return { kind: "container", id: container[1], containerId: container[2] };
  if (rest !== "" && !rest.includes("/")) return { kind: "service", id: rest };
  return null;
}

/** A service id is safe inside a key and a URL: no slashes, no spaces. */
export function isServiceId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A stored service record, or null when the text is not one. */
export function parseServiceRecord(text: string): ServiceRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const s = isObject(parsed) ? parsed.Service : undefined;
  if (!isObject(s) || typeof s.name !== "string" || typeof s.project !== "string") return null;
  return {
    Service: {
      name: s.name,
      project: s.project,
      definition: isObject(s.definition) ? (s.definition as Attributes) : {},
      extensions: isObject(s.extensions) ? (s.extensions as Attributes) : {},
    },
  };
}

/** A stored container entry, or null when the text is not one. */
export function parseContainerEntry(text: string): ContainerEntry | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(parsed) || typeof parsed.name !== "string" || typeof parsed.running !== "boolean") return null;
  const published: Record<string, number> = {};
  if (isObject(parsed.published)) {
    for (const [k, v] of Object.entries(parsed.published)) if (typeof v === "number") published[k] = v;
  }
  return {
    name: parsed.name,
    node: typeof parsed.node === "string" ? parsed.node : "",
    ip: typeof parsed.ip === "string" ? parsed.ip : "",
    running: parsed.running,
    status: typeof parsed.status === "string" ? parsed.status : parsed.running ? "running" : "exited",
    health: typeof parsed.health === "string" ? parsed.health : "",
    published,
  };
}

/**
 * Composes the article's `{ Service, Containers }` for one service from the keys under its
 * record (any other keys in `kvs` are ignored). null when the service record is missing.
 */
export function composeView(id: string, kvs: Iterable<readonly [string, string]>): ServiceView | null {
  let service: ServicePart | null = null;
  const containers: [string, ContainerEntry][] = [];
  for (const [key, value] of kvs) {
    const parsed = parseKey(key);
    if (!parsed || parsed.id !== id) continue;
    if (parsed.kind === "service") service = parseServiceRecord(value)?.Service ?? null;
    else {
      const entry = parseContainerEntry(value);
      if (entry) containers.push([parsed.containerId, entry]);
    }
  }
  if (!service) return null;
  containers.sort(([, a], [, b]) => compareContainerNames(a.name, b.name));
  return { Service: service, Containers: Object.fromEntries(containers) };
}

/** "/p_web_2" before "/p_web_10". */
export function compareContainerNames(a: string, b: string): number {
  const na = Number(/_(\d+)$/.exec(a)?.[1] ?? Number.NaN);
  const nb = Number(/_(\d+)$/.exec(b)?.[1] ?? Number.NaN);
  const baseA = a.replace(/_\d+$/, "");
  const baseB = b.replace(/_\d+$/, "");
  if (baseA !== baseB || Number.isNaN(na) || Number.isNaN(nb)) return a < b ? -1 : a > b ? 1 : 0;
  return na - nb;
}

/** Record text as stored (key order as built: the article's order). */
export function serializeRecord(value: ServiceRecord | ContainerEntry): string {
  return JSON.stringify(value);
}
