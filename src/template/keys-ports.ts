import { isIP } from "node:net";
import { isMap, isScalar, isSeq, type YAMLMap } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import type { LoadContext, YamlNode } from "./load-context.js";
import { isPortNumber, isProtocol, parsePortRange, parsePortShortSyntax, SHORT_SYNTAX } from "./ports.js";
import { readScalarList, wholeNumber } from "./key-helpers.js";
import type { KeyReader, ServiceDraft } from "./service-draft.js";
import type { PortMapping } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems } from "./yaml-nodes.js";

export const readPorts: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return;
  if (!isSeq(value)) {
    ctx.error("E_TYPE", `ports must be a list of port mappings (${SHORT_SYNTAX} or {target, published, host_ip, protocol}), got ${describe(value)}`, input.valueLoc);
    return;
  }
  for (const item of seqItems(ctx, value)) {
    const loc = ctx.loc(item, input.valueLoc);
    const mappings = isMap(item) ? readLongPort(ctx, item, loc) : readShortPort(ctx, item, loc);
    for (const mapping of mappings) addPort(draft, mapping, loc);
  }
};

function addPort(draft: ServiceDraft, mapping: PortMapping, loc: SourceLoc): void {
  draft.spec.keyLocs[`ports[${draft.spec.ports.length}]`] = loc;
  draft.spec.ports.push(mapping);
  draft.portLocs.push(loc);
}

function readShortPort(ctx: LoadContext, item: YamlNode, loc: SourceLoc): PortMapping[] {
  if (isScalar(item) && typeof item.value === "number") {
    if (isPortNumber(item.value)) return [{ containerPort: item.value, protocol: "tcp", hostPort: null, hostIp: null }];
    ctx.error("E_PORT", `port ${item.value} is outside 1-65535`, loc);
    return [];
  }
  const text = scalarText(item);
  if (text === undefined) {
    ctx.error("E_TYPE", `ports entries must be strings like '8080:80' or maps with target, got ${describe(item)}`, loc);
    return [];
  }
  const parsed = parsePortShortSyntax(text);
  if ("problem" in parsed) {
    ctx.error("E_PORT", parsed.problem, loc);
    return [];
  }
  return parsed.mappings;
}

const LONG_KEYS = new Set(["target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"]);

/**
 * The long syntax: {target, published, host_ip, protocol}. name and app_protocol only label the
 * port, and mode (host or ingress) only matters to swarm: on one engine every port is bound on
 * the host, as docker compose binds it.
 */
function readLongPort(ctx: LoadContext, item: YAMLMap, loc: SourceLoc): PortMapping[] {
  const fields = new Map(mapEntries(ctx, item).map((e) => [e.key, e]));
  for (const entry of fields.values()) {
    if (!LONG_KEYS.has(entry.key)) ctx.error("E_UNSUPPORTED_KEY", `'${entry.key}' is not a key of a ports entry, and Berth does not support it`, entry.keyLoc);
  }
  const mode = fields.get("mode");
  if (mode && !["host", "ingress"].includes(scalarText(mode.value) ?? "")) {
    ctx.error("E_PORT", `mode must be host or ingress, got ${describe(mode.value)}`, mode.valueLoc);
  }
  const field = (key: string) => {
    const entry = fields.get(key);
    return { text: entry && !isNullNode(entry.value) ? (scalarText(entry.value) ?? "") : null, found: describe(entry?.value ?? null), at: entry?.valueLoc ?? loc };
  };
  const target = field("target");
  const targetPort = wholeNumber(target.text ?? undefined, 1);
  if (targetPort === null || !isPortNumber(targetPort)) {
    ctx.error("E_PORT", `a long-form port needs target: a container port 1-65535, got ${target.found}`, target.at);
    return [];
  }
  const mapping: PortMapping = { containerPort: targetPort, protocol: "tcp", hostPort: null, hostIp: null };
  const published = field("published");
  if (published.text !== null) {
    const range = parsePortRange(published.text);
    if (typeof range === "string" || range[0] !== range[1]) ctx.error("E_PORT", `published must be one host port 1-65535, got ${published.found}`, published.at);
    else mapping.hostPort = range[0];
  }
  const hostIp = field("host_ip");
  if (hostIp.text !== null) {
    if (isIP(hostIp.text) === 0) ctx.error("E_PORT", `host_ip must be an IP address, got ${hostIp.found}`, hostIp.at);
    else mapping.hostIp = hostIp.text;
  }
  const protocol = field("protocol");
  if (protocol.text !== null) {
    const name = protocol.text.toLowerCase();
    if (isProtocol(name)) mapping.protocol = name;
    else ctx.error("E_PORT", `protocol must be tcp or udp, got ${protocol.found}`, protocol.at);
  }
  return [mapping];
}

/** `expose:` lists container ports only: 8080, "8080", "8080/tcp", "8000-8002". */
export const readExpose: KeyReader = (input, draft) => {
  for (const item of readScalarList(input, "ports like 8080 or '8080/tcp'")) {
    const [ports, protocol = "tcp"] = item.text.split("/");
    const range = parsePortRange(ports);
    if (typeof range === "string" || !isProtocol(protocol.toLowerCase())) {
      input.ctx.error("E_PORT", `expose entries must be a container port like 8080 or '8080/tcp', got '${item.text}'`, input.ctx.loc(item.node));
      continue;
    }
    for (let port = range[0]; port <= range[1]; port++) if (!draft.spec.expose.includes(port)) draft.spec.expose.push(port);
  }
};
