import { isIP } from "node:net";
import { isMap, isSeq } from "yaml";
import { readScalarList } from "./key-helpers.js";
import type { KeyReader } from "./service-draft.js";
import type { ServiceNetwork } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems } from "./yaml-nodes.js";

const ATTACHMENT_KEYS = ["aliases", "ipv4_address", "ipv6_address", "priority"];

/** `networks:` a list of network names, or a map of name → {aliases, ipv4_address, ipv6_address, priority}. */
export const readNetworks: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  const networks: ServiceNetwork[] = [];
  draft.spec.networks = networks;
  if (isNullNode(value)) return;
  if (isSeq(value)) {
    for (const item of readScalarList(input, "network names")) networks.push(attachment(item.text, ctx.loc(item.node, input.valueLoc)));
    return;
  }
  if (!isMap(value)) {
    ctx.error("E_TYPE", `networks must be a list of network names or a map of name → {aliases, ipv4_address}, got ${describe(value)}`, input.valueLoc);
    return;
  }
  for (const entry of mapEntries(ctx, value)) {
    const joined = attachment(entry.key, entry.keyLoc);
    networks.push(joined);
    if (isNullNode(entry.value)) continue;
    if (!isMap(entry.value)) {
      ctx.error("E_TYPE", `networks.${entry.key} must be a map like {aliases: [name]}, got ${describe(entry.value)}`, entry.valueLoc);
      continue;
    }
    for (const option of mapEntries(ctx, entry.value)) {
      const text = scalarText(option.value);
      if (option.key === "aliases") {
        if (!isSeq(option.value)) ctx.error("E_TYPE", `networks.${entry.key}.aliases must be a list of names, got ${describe(option.value)}`, option.valueLoc);
        for (const item of seqItems(ctx, option.value)) {
          const alias = scalarText(item);
          if (alias && /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(alias)) joined.aliases.push(alias);
          else ctx.error("E_NETWORK", `networks.${entry.key}.aliases entries must be host names, got ${describe(item)}`, ctx.loc(item, option.valueLoc));
        }
      } else if (option.key === "ipv4_address" || option.key === "ipv6_address") {
        const version = option.key === "ipv4_address" ? 4 : 6;
        if (text && isIP(text) === version) joined[option.key === "ipv4_address" ? "ipv4Address" : "ipv6Address"] = text;
        else ctx.error("E_NETWORK", `networks.${entry.key}.${option.key} must be an IPv${version} address, got ${describe(option.value)}`, option.valueLoc);
      } else if (option.key === "priority") {
        if (text && /^-?\d+$/.test(text)) joined.priority = Number(text);
        else ctx.error("E_TYPE", `networks.${entry.key}.priority must be a whole number, got ${describe(option.value)}`, option.valueLoc);
      } else {
        ctx.error("E_UNSUPPORTED_KEY", `networks.${entry.key}: '${option.key}' is not supported by Berth (supported: ${ATTACHMENT_KEYS.join(", ")})`, option.keyLoc);
      }
    }
  }
};

function attachment(key: string, loc: ServiceNetwork["loc"]): ServiceNetwork {
  return { key, aliases: [], ipv4Address: null, ipv6Address: null, priority: 0, loc };
}

/** `network_mode:` host, none, bridge, service:<name> or container:<name>, as Docker takes them. */
export const readNetworkMode: KeyReader = (input, draft) => {
  const text = scalarText(input.value);
  const m = text === undefined ? null : /^(host|none|bridge)$|^(service|container):(.+)$/.exec(text);
  if (!m) {
    input.ctx.error("E_TYPE", `network_mode must be host, none, bridge, service:<name> or container:<name>, got ${describe(input.value)}`, input.valueLoc);
    return;
  }
  if (m[1]) draft.spec.networkMode = { kind: m[1] as "host" | "none" | "bridge" };
  else if (m[2] === "service") {
    draft.spec.networkMode = { kind: "service", service: m[3] };
    draft.references.push({ kind: "network_mode", service: m[3], loc: input.valueLoc });
  } else draft.spec.networkMode = { kind: "container", container: m[3] };
};
