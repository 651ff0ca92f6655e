import { isIP } from "node:net";
import { isMap, isSeq } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import { readScalarList } from "./key-helpers.js";
import { readKeyValues } from "./key-values.js";
import type { LoadContext, YamlNode } from "./load-context.js";
import type { KeyReader, ServiceDraft } from "./service-draft.js";
import type { DependencyConditionName, ExtraHost, ServiceDependency } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, type MapEntry } from "./yaml-nodes.js";

/** `links:` "svc" or "svc:alias". Whether svc exists is checked once every service is read. */
export const readLinks: KeyReader = (input, draft) => {
  for (const item of readScalarList(input, "service names like 'db' or 'db:alias'")) {
    const [service, alias = service, ...extra] = item.text.split(":");
    const loc = input.ctx.loc(item.node, input.valueLoc);
    if (!service || !alias || extra.length > 0) {
      input.ctx.error("E_LINK", `links entries must be 'service' or 'service:alias', got '${item.text}'`, loc);
      continue;
    }
    draft.spec.links.push({ service, alias });
    draft.references.push({ kind: "links", service, loc });
  }
};

const CONDITIONS: readonly DependencyConditionName[] = ["service_started", "service_healthy", "service_completed_successfully"];
const DEPENDENCY_KEYS = new Set(["condition", "required", "restart"]);

/**
 * `depends_on:` a list of names (each service_started), or a map of name → {condition, required,
 * restart}. The dependent's container is created once each dependency meets its condition.
 */
export const readDependsOn: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return;
  if (isSeq(value)) {
    for (const item of readScalarList(input, "service names")) addDependency(draft, { service: item.text, loc: ctx.loc(item.node, input.valueLoc) });
    return;
  }
  if (!isMap(value)) {
    ctx.error("E_TYPE", `depends_on must be a list of service names or a map of service → {condition}, got ${describe(value)}`, input.valueLoc);
    return;
  }
  for (const entry of mapEntries(ctx, value)) {
    if (isNullNode(entry.value)) {
      addDependency(draft, { service: entry.key, loc: entry.keyLoc });
      continue;
    }
    if (!isMap(entry.value)) {
      ctx.error("E_TYPE", `depends_on.${entry.key} must be a map like {condition: service_started}, got ${describe(entry.value)}`, entry.valueLoc);
      continue;
    }
    addDependency(draft, { service: entry.key, loc: entry.keyLoc, ...readLongForm(ctx, entry.key, mapEntries(ctx, entry.value)) });
  }
};

function readLongForm(ctx: LoadContext, service: string, entries: MapEntry[]): Partial<ServiceDependency> {
  const out: Partial<ServiceDependency> = {};
  for (const e of entries) {
    const path = `depends_on.${service}.${e.key}`;
    if (!DEPENDENCY_KEYS.has(e.key)) {
      // Not a compose key (compose's schema refuses it too): refused, never silently ignored.
      ctx.error("E_UNSUPPORTED_KEY", `${path} is not a compose key (${[...DEPENDENCY_KEYS].join(", ")})`, e.keyLoc);
      continue;
    }
    const text = scalarText(e.value);
    if (e.key === "condition") {
      const condition = CONDITIONS.find((c) => c === text);
      if (condition) out.condition = condition;
      else ctx.error("E_TYPE", `${path} must be service_started, service_healthy or service_completed_successfully, got ${describe(e.value)}`, e.valueLoc);
    } else if (text === "true" || text === "false") {
      out[e.key as "required" | "restart"] = text === "true";
    } else {
      ctx.error("E_TYPE", `${path} must be true or false, got ${describe(e.value)}`, e.valueLoc);
    }
  }
  return out;
}

function addDependency(draft: ServiceDraft, given: Partial<ServiceDependency> & { service: string; loc: SourceLoc }): void {
  const dependency: ServiceDependency = { condition: "service_started", required: true, restart: false, ...given };
  if (!draft.spec.dependsOn.some((d) => d.service === dependency.service)) draft.spec.dependsOn.push(dependency);
  draft.references.push({ kind: "depends_on", service: dependency.service, loc: dependency.loc });
}

/** `extra_hosts:` list "host:ip" (or "host=ip") or a map host → ip; IPv6 addresses keep their colons. */
export const readExtraHosts: KeyReader = (input, draft) => {
  draft.spec.extraHosts.push(...readHostIps(input.ctx, "extra_hosts", input.value, input.valueLoc));
};

/** extra_hosts of a service or of its build: "host:ip", "host=ip", or a map host → ip. */
export function readHostIps(ctx: LoadContext, what: string, node: YamlNode, loc: SourceLoc): ExtraHost[] {
  const separator = (item: string) => (item.includes("=") ? item.indexOf("=") : item.indexOf(":"));
  const hosts: ExtraHost[] = [];
  for (const entry of readKeyValues(ctx, what, node, loc, separator)) {
    const ip = entry.value?.replace(/^\[(.*)\]$/, "$1") ?? "";
    if (isIP(ip) === 0) {
      ctx.error("E_EXTRA_HOST", `${what} entry for '${entry.key}' must map a host name to an IP address, got '${entry.value ?? ""}'`, entry.valueLocAt(0));
      continue;
    }
    hosts.push({ host: entry.key, ip });
  }
  return hosts;
}

/**
 * `volumes_from:` "service[:ro|rw]", "service:name[:ro|rw]" or "container:name[:ro|rw]". A
 * service is started before the one that takes its mounts, as compose orders them.
 */
export const readVolumesFrom: KeyReader = (input, draft) => {
  const { ctx } = input;
  for (const item of readScalarList(input, "'service', 'service:name' or 'container:name', each with an optional ':ro' or ':rw'")) {
    const loc = ctx.loc(item.node, input.valueLoc);
    const parts = item.text.split(":");
    const kind = parts[0] === "container" || parts[0] === "service" ? parts.shift()! : "service";
    const mode = parts.length > 1 ? parts.pop()! : "rw";
    const name = parts.join(":");
    if (parts.length !== 1 || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) || (mode !== "ro" && mode !== "rw")) {
      ctx.error("E_VOLUMES_FROM", `volumes_from entries must be 'service', 'service:name' or 'container:name', each with an optional ':ro' or ':rw', got '${item.text}'`, loc);
      continue;
    }
    draft.spec.volumesFrom.push({ kind: kind as "service" | "container", name, readOnly: mode === "ro", loc });
    if (kind === "service") draft.references.push({ kind: "volumes_from", service: name, loc });
  }
};
