import { isIP } from "node:net";
import { isMap, isSeq } from "yaml";
import { readKeyValues } from "./key-values.js";
import type { LoadContext } from "./load-context.js";
import type { ServiceDraft } from "./service-draft.js";
import type { IpamPool, NetworkDecl } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems, type MapEntry } from "./yaml-nodes.js";

const NETWORK_KEYS = ["name", "external", "driver", "driver_opts", "ipam", "internal", "attachable", "enable_ipv6", "labels"];
const POOL_KEYS = ["subnet", "ip_range", "gateway", "aux_addresses"];
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The top-level `networks:` map: each entry a network resource the project owns (or, external, joins). */
export function readNetworkDecls(ctx: LoadContext, entry: MapEntry): NetworkDecl[] {
  if (isNullNode(entry.value)) return [];
  if (!isMap(entry.value)) {
    ctx.error("E_TYPE", `networks must be a map of network name → options, got ${describe(entry.value)}`, entry.valueLoc);
    return [];
  }
  const decls = mapEntries(ctx, entry.value).flatMap((declared) => readDecl(ctx, declared) ?? []);
  return decls.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function emptyNetworkDecl(key: string, loc: NetworkDecl["loc"]): NetworkDecl {
  return { key, name: null, external: false, driver: null, driverOpts: {}, ipam: null, internal: false, attachable: false, enableIpv6: false, labels: {}, loc };
}

function readDecl(ctx: LoadContext, declared: MapEntry): NetworkDecl | null {
  const decl = emptyNetworkDecl(declared.key, declared.keyLoc);
  const where = `networks.${declared.key}`;
  if (!NETWORK_NAME.test(declared.key)) {
    ctx.error("E_NAME", `network name '${declared.key}' must start with a letter or digit and hold only letters, digits, '_', '.' and '-'`, declared.keyLoc);
  }
  if (isNullNode(declared.value)) return decl;
  if (!isMap(declared.value)) {
    ctx.error("E_TYPE", `${where} must be a map of options (driver, ipam, external, ...), got ${describe(declared.value)}`, declared.valueLoc);
    return null;
  }
  for (const option of mapEntries(ctx, declared.value)) {
    const text = scalarText(option.value);
    switch (option.key) {
      case "name":
        if (text && NETWORK_NAME.test(text)) decl.name = text;
        else ctx.error("E_NAME", `${where}.name must be a Docker network name, got ${describe(option.value)}`, option.valueLoc);
        break;
      case "external":
        if (isMap(option.value)) {
          decl.external = true;
          decl.name ??= scalarText(mapEntries(ctx, option.value).find((e) => e.key === "name")?.value ?? null) ?? null;
        } else decl.external = readBoolean(ctx, `${where}.external`, option);
        break;
      case "driver":
        if (text) decl.driver = text;
        else ctx.error("E_TYPE", `${where}.driver must be a driver name like bridge, got ${describe(option.value)}`, option.valueLoc);
        break;
      case "driver_opts":
      case "labels": {
        const record = Object.fromEntries(readKeyValues(ctx, `${where}.${option.key}`, option.value, option.valueLoc).map((kv) => [kv.key, kv.value ?? ""]));
        if (option.key === "labels") decl.labels = record;
        else decl.driverOpts = record;
        break;
      }
      case "ipam":
        decl.ipam = readIpam(ctx, where, option);
        break;
      case "internal":
        decl.internal = readBoolean(ctx, `${where}.internal`, option);
        break;
      case "attachable":
        decl.attachable = readBoolean(ctx, `${where}.attachable`, option);
        break;
      case "enable_ipv6":
        decl.enableIpv6 = readBoolean(ctx, `${where}.enable_ipv6`, option);
        break;
      default:
        if (!option.key.startsWith("x-")) {
          ctx.error("E_UNSUPPORTED_KEY", `${where}: '${option.key}' is not supported by Berth (supported: ${NETWORK_KEYS.join(", ")})`, option.keyLoc);
        }
    }
  }
  const optionsSet = decl.driver || Object.keys(decl.driverOpts).length || decl.ipam || decl.internal || decl.attachable || decl.enableIpv6 || Object.keys(decl.labels).length;
  if (decl.external && optionsSet) {
    ctx.error("E_TYPE", `${where} is external: Berth does not create it, so its options cannot apply`, declared.keyLoc);
  }
  return decl;
}

function readBoolean(ctx: LoadContext, what: string, option: MapEntry): boolean {
  const text = scalarText(option.value);
  if (text === "true" || text === "false") return text === "true";
  ctx.error("E_TYPE", `${what} must be true or false, got ${describe(option.value)}`, option.valueLoc);
  return false;
}

function readIpam(ctx: LoadContext, where: string, option: MapEntry): NetworkDecl["ipam"] {
  if (!isMap(option.value)) {
    ctx.error("E_TYPE", `${where}.ipam must be a map with driver and config, got ${describe(option.value)}`, option.valueLoc);
    return null;
  }
  const ipam: NonNullable<NetworkDecl["ipam"]> = { driver: null, config: [], options: {} };
  for (const e of mapEntries(ctx, option.value)) {
    if (e.key === "driver") ipam.driver = scalarText(e.value) ?? null;
    else if (e.key === "options") ipam.options = Object.fromEntries(readKeyValues(ctx, `${where}.ipam.options`, e.value, e.valueLoc).map((kv) => [kv.key, kv.value ?? ""]));
    else if (e.key === "config") {
      if (!isSeq(e.value)) ctx.error("E_TYPE", `${where}.ipam.config must be a list of pools like {subnet: 172.28.0.0/16}, got ${describe(e.value)}`, e.valueLoc);
      else for (const item of seqItems(ctx, e.value)) ipam.config.push(readPool(ctx, where, item, e));
    } else ctx.error("E_UNSUPPORTED_KEY", `${where}.ipam: '${e.key}' is not supported by Berth (supported: driver, config, options)`, e.keyLoc);
  }
  return ipam;
}

function readPool(ctx: LoadContext, where: string, item: ReturnType<typeof seqItems>[number], at: MapEntry): IpamPool {
  const pool: IpamPool = { subnet: null, ip_range: null, gateway: null, aux_addresses: {} };
  if (!isMap(item)) {
    ctx.error("E_TYPE", `${where}.ipam.config entries must be maps like {subnet: 172.28.0.0/16}, got ${describe(item)}`, ctx.loc(item, at.valueLoc));
    return pool;
  }
  for (const e of mapEntries(ctx, item)) {
    const text = scalarText(e.value);
    if (e.key === "aux_addresses") {
      pool.aux_addresses = Object.fromEntries(readKeyValues(ctx, `${where}.ipam.config.aux_addresses`, e.value, e.valueLoc).map((kv) => [kv.key, kv.value ?? ""]));
    } else if (e.key === "subnet" || e.key === "ip_range") {
      if (text && isCidr(text)) pool[e.key] = text;
      else ctx.error("E_NETWORK", `${where}.ipam.config.${e.key} must be a CIDR like 172.28.0.0/16, got ${describe(e.value)}`, e.valueLoc);
    } else if (e.key === "gateway") {
      if (text && isIP(text)) pool.gateway = text;
      else ctx.error("E_NETWORK", `${where}.ipam.config.gateway must be an IP address, got ${describe(e.value)}`, e.valueLoc);
    } else {
      ctx.error("E_UNSUPPORTED_KEY", `${where}.ipam.config: '${e.key}' is not supported by Berth (supported: ${POOL_KEYS.join(", ")})`, e.keyLoc);
    }
  }
  return pool;
}

export function isCidr(text: string): boolean {
  const [ip, bits, ...rest] = text.split("/");
  const version = isIP(ip ?? "");
  const n = Number(bits);
  return rest.length === 0 && version !== 0 && /^\d+$/.test(bits ?? "") && n <= (version === 4 ? 32 : 128);
}

/**
 * Networks services name must be declared (compose's rule), except `default`; a fixed address
 * needs a network whose subnet the template fixes, or Docker refuses it at apply.
 */
export function checkNetworkReferences(ctx: LoadContext, drafts: ServiceDraft[], decls: NetworkDecl[]): void {
  const byKey = new Map(decls.map((d) => [d.key, d]));
  for (const draft of drafts) {
    const { spec } = draft;
    for (const n of spec.networks ?? []) {
      const decl = byKey.get(n.key);
      if (!decl && n.key !== "default") {
        const known = decls.length ? ` (declared: ${decls.map((d) => d.key).join(", ")})` : "";
        ctx.error("E_NETWORK", `service '${spec.name}' joins network '${n.key}', which the top-level networks: section does not declare${known}`, n.loc);
      }
      if ((n.ipv4Address || n.ipv6Address) && !decl?.ipam?.config.some((p) => p.subnet)) {
        ctx.error("E_NETWORK", `service '${spec.name}': a fixed address on network '${n.key}' needs networks.${n.key}.ipam.config with a subnet (Docker refuses it otherwise)`, n.loc);
      }
    }
    if (spec.networkMode) checkNetworkMode(ctx, draft);
  }
}

/** What cannot go with a shared network stack: Docker refuses it, or it would silently do nothing. */
function checkNetworkMode(ctx: LoadContext, draft: ServiceDraft): void {
  const { spec } = draft;
  const mode = spec.networkMode!;
  const shown = mode.kind === "service" ? `service:${mode.service}` : mode.kind === "container" ? `container:${mode.container}` : mode.kind;
  if (mode.kind === "bridge") return;
  const clash = (key: string, why: string) => {
    if (spec.keyLocs[key]) ctx.error("E_NETWORK", `${key} cannot be used with network_mode: ${shown}: ${why}`, spec.keyLocs[key]);
  };
  clash("networks", "the container joins no network of its own");
  clash("links", "links resolve on the project network, which the container does not join");
  if (mode.kind !== "host") clash("ports", "the container has no network of its own to publish from");
  else clash("ports", "with the host's network every port the container listens on is already the host's; Docker discards published ports");
  if (spec.aliyun.routes.length > 0) {
    ctx.error("E_NETWORK", `aliyun.routing cannot be used with network_mode: ${shown}: the router reaches replicas through published ports`, spec.aliyun.routes[0].loc);
  }
}
