import { isIP } from "node:net";
import { isMap, isSeq } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import { readScalarList } from "./key-helpers.js";
import { readKeyValues } from "./key-values.js";
import type { LoadContext, YamlNode } from "./load-context.js";
import type { KeyReader, ServiceDraft } from "./service-draft.js";
import type { ExtraHost } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText } from "./yaml-nodes.js";

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

const CONDITIONS = new Set(["service_started", "service_healthy", "service_completed_successfully"]);

/** `depends_on:` a list of names, or a map of name → {condition}. Berth orders by it; conditions are kept out. */
export const readDependsOn: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return;
  if (isSeq(value)) {
    for (const item of readScalarList(input, "service names")) addDependency(draft, item.text, ctx.loc(item.node, input.valueLoc));
    return;
  }
  if (!isMap(value)) {
    ctx.error("E_TYPE", `depends_on must be a list of service names or a map of service → {condition}, got ${describe(value)}`, input.valueLoc);
    return;
  }
  for (const entry of mapEntries(ctx, value)) {
    addDependency(draft, entry.key, entry.keyLoc);
    if (isNullNode(entry.value)) continue;
    if (!isMap(entry.value)) {
      ctx.error("E_TYPE", `depends_on.${entry.key} must be a map like {condition: service_started}, got ${describe(entry.value)}`, entry.valueLoc);
      continue;
    }
    const condition = mapEntries(ctx, entry.value).find((e) => e.key === "condition");
    const text = condition && scalarText(condition.value);
    if (condition && (text === undefined || !CONDITIONS.has(text))) {
      ctx.error("E_TYPE", `depends_on.${entry.key}.condition must be service_started, service_healthy or service_completed_successfully, got ${describe(condition.value)}`, condition.valueLoc);
    }
  }
};

function addDependency(draft: ServiceDraft, service: string, loc: SourceLoc): void {
  if (!draft.spec.dependsOn.includes(service)) draft.spec.dependsOn.push(service);
  draft.references.push({ kind: "depends_on", service, loc });
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
