import { isMap } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import type { LoadContext, YamlNode } from "./load-context.js";
import { describe, isNullNode, mapEntries, scalarText, type MapEntry } from "./yaml-nodes.js";
import { isExtension, refuseTopLevelKey } from "./compose-keys.js";
import { readFileDecls } from "./top-level-files.js";
import { readNetworkDecls } from "./top-level-networks.js";
import { readVolumeDecls } from "./top-level-volumes.js";
import type { FileDecl, NetworkDecl, VolumeDecl } from "./types.js";

/** A service as found at the top of the template, not yet read. */
export interface ServiceEntry {
  name: string;
  nameLoc: SourceLoc;
  value: YamlNode;
}

export interface TopLevel {
  name: string | null;
  services: ServiceEntry[];
  volumes: VolumeDecl[];
  networks: NetworkDecl[];
  files: FileDecl[];
  format: "v1" | "services";
  /** `x-berth: {engine: swarm}`: the engine the template asks for. */
  engine: { value: string; loc: SourceLoc } | null;
}

/**
 * Finds the services in either format: compose v1 (services at the top, as the Aliyun
 * article writes them) or the later `services:` format with version/name/networks/volumes.
 * A template with `services:` or `version:` at the top is the later format.
 */
export function readTopLevel(ctx: LoadContext, root: YamlNode): TopLevel | null {
  if (isNullNode(root)) {
    ctx.error("E_TYPE", "the template is empty: expected a map of services", ctx.loc(root));
    return null;
  }
  if (!isMap(root)) {
    ctx.error("E_TYPE", `the template must be a map of services, got ${describe(root)}`, ctx.loc(root));
    return null;
  }
  const entries = mapEntries(ctx, root);
  // `include:` exists only in the later format: a file holding just that is not a v1 service called include.
  const isServicesFormat = entries.some((e) => e.key === "services" || e.key === "version" || e.key === "include");
  const top = isServicesFormat
    ? readServicesFormat(ctx, entries)
    : { name: null, services: entries.filter((e) => !e.key.startsWith("x-")).map(toService), volumes: [], networks: [], files: [], format: "v1" as const, engine: null };
  const berth = entries.find((e) => e.key === "x-berth");
  if (top && berth) top.engine = readBerthExtension(ctx, berth);
  // A file of includes whose includes failed (reported) would only repeat that here.
  const includes = entries.some((e) => e.key === "include");
  if (top?.services.length === 0 && !includes) ctx.error("E_NO_SERVICES", "the template defines no services", ctx.loc(root));
  return top;
}

function toService(entry: MapEntry): ServiceEntry {
  return { name: entry.key, nameLoc: entry.keyLoc, value: entry.value };
}

type TopLevelReader = (ctx: LoadContext, entry: MapEntry, top: TopLevel) => "invalid" | void;

/** Every top-level key Berth reads; anything else is refused (compose-keys.ts), `x-*` aside. */
export const TOP_LEVEL_READERS: Record<string, TopLevelReader> = {
  services: (ctx, entry, top) => {
    const services = readServicesMap(ctx, entry);
    top.services = services ?? [];
    return services === null ? "invalid" : undefined;
  },
  name: (ctx, entry, top) => {
    top.name = readName(ctx, entry);
  },
  version: (ctx, entry) => readVersion(ctx, entry),
  volumes: (ctx, entry, top) => {
    top.volumes = readVolumeDecls(ctx, entry);
  },
  networks: (ctx, entry, top) => {
    top.networks = readNetworkDecls(ctx, entry);
  },
  secrets: (ctx, entry, top) => {
    top.files.push(...readFileDecls(ctx, "secret", entry));
  },
  configs: (ctx, entry, top) => {
    top.files.push(...readFileDecls(ctx, "config", entry));
  },
  // Carried out before reading (compose-files.ts): what it imports is in services:, networks:, ...
  include: () => {},
};

/** null when `services:` itself is wrong (already reported). */
function readServicesFormat(ctx: LoadContext, entries: MapEntry[]): TopLevel | null {
  const top: TopLevel = { name: null, services: [], volumes: [], networks: [], files: [], format: "services", engine: null };
  let servicesValid = true;
  if (!entries.some((e) => e.key === "services" || e.key === "include")) ctx.error("E_TYPE", "a template with version: needs a services: map", entries[0].keyLoc);
  for (const entry of entries) {
    const reader = TOP_LEVEL_READERS[entry.key];
    if (reader) {
      if (reader(ctx, entry, top) === "invalid") servicesValid = false;
    } else if (!isExtension(entry.key)) refuseTopLevelKey(ctx, entry);
  }
  return servicesValid ? top : null;
}

function readServicesMap(ctx: LoadContext, entry: MapEntry): ServiceEntry[] | null {
  if (isNullNode(entry.value)) return [];
  if (!isMap(entry.value)) {
    ctx.error("E_TYPE", `services must be a map of service name → settings, got ${describe(entry.value)}`, entry.valueLoc);
    return null;
  }
  return mapEntries(ctx, entry.value).map(toService);
}

function readName(ctx: LoadContext, entry: MapEntry): string | null {
  const name = scalarText(entry.value);
  if (name && /^[a-z0-9][a-z0-9_-]*$/.test(name)) return name;
  ctx.error("E_NAME", `name must be a project name of lowercase letters, digits, '_' and '-', got ${describe(entry.value)}`, entry.valueLoc);
  return null;
}

function readVersion(ctx: LoadContext, entry: MapEntry): void {
  if (scalarText(entry.value) === undefined) ctx.error("E_TYPE", `version must be a string like '3.8', got ${describe(entry.value)}`, entry.valueLoc);
}

/** Engines a template may ask for with x-berth.engine (the settings' --engine takes the same). */
export const ENGINES = ["docker", "swarm"] as const;

/** `x-berth:` Berth's own settings in the template; only `engine` so far. */
function readBerthExtension(ctx: LoadContext, entry: MapEntry): TopLevel["engine"] {
  if (!isMap(entry.value)) {
    ctx.error("E_TYPE", `x-berth must be a map (engine), got ${describe(entry.value)}`, entry.valueLoc);
    return null;
  }
  let engine: TopLevel["engine"] = null;
  for (const e of mapEntries(ctx, entry.value)) {
    if (e.key !== "engine") {
      ctx.error("E_UNSUPPORTED_KEY", `x-berth.${e.key} is not a Berth setting (x-berth takes engine)`, e.keyLoc);
      continue;
    }
    const value = scalarText(e.value);
    if (value !== undefined && (ENGINES as readonly string[]).includes(value)) engine = { value, loc: e.valueLoc };
    else ctx.error("E_ENGINE", `x-berth.engine must be ${ENGINES.join(" or ")}, got ${describe(e.value)}`, e.valueLoc);
  }
  return engine;
}
