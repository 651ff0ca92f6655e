import { UserError } from "../../src/core/errors.js";

/**
 * Every name Berth writes into an nginx configuration, checked again right before rendering.
 * The template loader already rejects bad hosts and contexts; this is defense in depth, so a
 * hand-edited state file or plan cannot smuggle a `;`, a quote, a brace or a `$` into the router.
 * Pure: no I/O.
 */

export type RouteProtocol = "http" | "https" | "ws" | "wss" | "tcp";

const PROTOCOLS: readonly RouteProtocol[] = ["http", "https", "ws", "wss", "tcp"];
const HOST = /^[a-z0-9.-]+$/;
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const CONTEXT = /^[A-Za-z0-9._~/-]*$/;
/** An upstream name is a host plus its context with "/" turned into "_". */
const UPSTREAM_NAME = /^[A-Za-z0-9._~-]+$/;
/** docker compose's project names (normalizeProjectName): also a file name in the router dir. */
const PROJECT = /^[a-z0-9][a-z0-9_-]*$/;
/** "container.<service>[<i>]:<port>" as the model writes upstream servers. */
const SERVER_REF = /^(container\.[A-Za-z0-9._-]+\[\d+\]):(\d+)$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** Absolute file paths (TLS certificate and key): no whitespace, quotes, `;`, braces, `$`, `#` or `\`. */
const SAFE_PATH = /^\/[A-Za-z0-9._/@+=,~-]*$/;

function invalid(what: string, value: unknown, expected: string, address?: string): UserError {
  return new UserError(
    "E_ROUTE_INVALID",
    `${what} ${JSON.stringify(value)} cannot be written into the router configuration: expected ${expected}`,
    address ? { address } : undefined,
  );
}

export function checkHost(value: unknown, address?: string): string {
  const ok =
    typeof value === "string" && value.length <= 253 && HOST.test(value) && value.split(".").every((label) => HOST_LABEL.test(label));
  if (!ok) throw invalid("virtual host", value, "a DNS name of lowercase letters, digits, '-' and '.'", address);
  return value;
}

/** "" (the whole host) or "/seg/seg": no empty, "." or ".." segments, no trailing "/". */
export function checkContext(value: unknown, address?: string): string {
  const ok =
    typeof value === "string" &&
    value.length <= 128 &&
    CONTEXT.test(value) &&
    (value === "" || (value.startsWith("/") && value.slice(1).split("/").every((s) => s !== "" && s !== "." && s !== "..")));
  if (!ok) throw invalid("context path", value, "'' or '/'-separated segments of letters, digits and . _ ~ -", address);
  return value;
}

export function checkPort(value: unknown, address?: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw invalid("port", value, "a whole number 1-65535", address);
  }
  return value;
}

export function checkProtocol(value: unknown, address?: string): RouteProtocol {
  if (typeof value !== "string" || !PROTOCOLS.includes(value as RouteProtocol)) {
    throw invalid("protocol", value, PROTOCOLS.join(", "), address);
  }
  return value as RouteProtocol;
}

export function checkUpstreamName(value: unknown, address?: string): string {
  if (typeof value !== "string" || value.length > 300 || !UPSTREAM_NAME.test(value)) {
    throw invalid("upstream name", value, "letters, digits and . _ ~ -", address);
  }
  return value;
}

export function checkProject(value: unknown): string {
  if (typeof value !== "string" || value.length > 128 || !PROJECT.test(value)) {
    throw invalid("project name", value, "lowercase letters, digits, '-' and '_'");
  }
  return value;
}

/** An upstream server as the model writes it: the replica's address and its container port. */
export function parseServerRef(value: unknown, address?: string): { container: string; port: number } {
  const m = typeof value === "string" ? SERVER_REF.exec(value) : null;
  if (!m) throw invalid("upstream server", value, "'container.<service>[<i>]:<port>'", address);
  return { container: m[1], port: checkPort(Number(m[2]), address) };
}

/** "127.0.0.1:32768": where nginx reaches a backend, written into its configuration as it is. */
export function checkEndpoint(value: unknown, address?: string): string {
  const text = typeof value === "string" ? value : "";
  const colon = text.lastIndexOf(":");
  if (colon < 0) throw invalid("upstream endpoint", value, "an IPv4 address and port like 127.0.0.1:32768", address);
  checkIpv4(text.slice(0, colon), address);
  checkPort(Number(text.slice(colon + 1)), address);
  if (!/^\d+$/.test(text.slice(colon + 1))) throw invalid("upstream endpoint", value, "an IPv4 address and port like 127.0.0.1:32768", address);
  return text;
}

export function checkIpv4(value: unknown, address?: string): string {
  const m = typeof value === "string" ? IPV4.exec(value) : null;
  if (!m || m.slice(1).some((octet) => Number(octet) > 255)) throw invalid("address", value, "an IPv4 address like 127.0.0.1", address);
  return value as string;
}

export function checkFilePath(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length > 1024 || !SAFE_PATH.test(value) || value.split("/").includes("..")) {
    throw invalid(what, value, "an absolute path of letters, digits and . _ - / @ + = , ~", undefined);
  }
  return value;
}
