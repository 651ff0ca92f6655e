import { isIP } from "node:net";
import type { PortMapping, Protocol } from "./types.js";

/**
 * The `ports:` short syntax, every form compose accepts:
 * "80", "8080:80", "127.0.0.1:8080:80", "127.0.0.1::80", "[::1]:8080:80", "80/tcp",
 * "53:53/udp", "8000-8002:9000-9002", "9000-9002". A range expands to one mapping per port.
 * Pure: returns the mappings, or the reason the text is not a port mapping.
 */

export const SHORT_SYNTAX = "[[host_ip:][host_port]:]container_port[/tcp|udp]";

export type PortResult = { mappings: PortMapping[] } | { problem: string };

export function parsePortShortSyntax(spec: string): PortResult {
  const bad = (why: string): PortResult => ({ problem: `port '${spec}' ${why}` });
  const slash = spec.lastIndexOf("/");
  const protocol = slash === -1 ? "tcp" : spec.slice(slash + 1).toLowerCase();
  if (!isProtocol(protocol)) return bad(`has protocol '${protocol}': expected tcp or udp`);
  const parts = splitHostParts(slash === -1 ? spec : spec.slice(0, slash));
  if (!parts) return bad(`must be ${SHORT_SYNTAX}`);
  if (parts.ip !== null && isIP(parts.ip) === 0) return bad(`has host IP '${parts.ip}', which is not an IP address`);

  const container = parsePortRange(parts.container);
  if (typeof container === "string") return bad(`has container port ${container}`);
  const host = parts.host === "" ? null : parsePortRange(parts.host);
  if (typeof host === "string") return bad(`has host port ${host}`);
  const count = container[1] - container[0] + 1;
  if (host && host[1] - host[0] + 1 !== count) {
    return bad(`maps ${host[1] - host[0] + 1} host ports to ${count} container ports: the ranges must have the same length`);
  }
  const mappings: PortMapping[] = [];
  for (let i = 0; i < count; i++) {
    mappings.push({ containerPort: container[0] + i, protocol, hostPort: host ? host[0] + i : null, hostIp: parts.ip });
  }
  return { mappings };
}

export function isProtocol(text: string): text is Protocol {
  return text === "tcp" || text === "udp";
}

/** Splits "ip:host:container" from the right, so an IPv6 host IP may hold colons. */
function splitHostParts(text: string): { ip: string | null; host: string; container: string } | null {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    const rest = text.slice(close + 1);
    const match = /^:([^:]*):([^:]+)$/.exec(rest);
    if (close === -1 || !match) return null;
    return { ip: text.slice(1, close), host: match[1], container: match[2] };
  }
  const parts = text.split(":");
  if (parts.length === 1) return { ip: null, host: "", container: parts[0] };
  if (parts.length === 2) return { ip: null, host: parts[0], container: parts[1] };
  const ip = parts.slice(0, -2).join(":");
  return { ip: ip === "" ? null : ip, host: parts[parts.length - 2], container: parts[parts.length - 1] };
}

/** "8080" → [8080, 8080]; "8000-8002" → [8000, 8002]; a reason string when invalid. */
export function parsePortRange(text: string): [number, number] | string {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) return `'${text}': expected a number 1-65535 or a range like 8000-8002`;
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  for (const port of [first, last]) if (!isPortNumber(port)) return `${port}, outside 1-65535`;
  if (last < first) return `range '${text}' runs backwards`;
  return [first, last];
}

export function isPortNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}
