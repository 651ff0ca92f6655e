import type { RouteScheme } from "./types.js";

/**
 * The value of `aliyun.routing.port_<N>`: one or more `[scheme://]host[/context]` separated
 * by `;`. Everything here ends up inside an nginx config, so hosts must be plain DNS names and
 * context paths plain path segments: no spaces, quotes, `;`, braces or `$` can get through.
 * Pure: returns the routes, or problems at their index in the value.
 */

export interface ParsedRoute {
  scheme: RouteScheme;
  host: string;
  context: string;
  /** Index of the entry in the label value. */
  index: number;
}

export interface RouteProblem {
  message: string;
  index: number;
}

const SCHEMES: readonly RouteScheme[] = ["http", "https", "ws", "wss", "tcp"];
const SCHEME_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CONTEXT_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const MAX_CONTEXT = 128;

export function parseRouteValue(label: string, value: string, domain: string): { routes: ParsedRoute[]; problems: RouteProblem[] } {
  const routes: ParsedRoute[] = [];
  const problems: RouteProblem[] = [];
  if (value.trim() === "") return { routes, problems: [{ index: 0, message: `${label} must name a virtual host like 'web' or 'http://web.example.com/app', got ''` }] };
  let index = 0;
  for (const raw of value.split(";")) {
    const lead = raw.length - raw.trimStart().length;
    const parsed = parseRouteEntry(label, raw.trim(), domain);
    if ("problem" in parsed) problems.push({ index: index + lead, message: parsed.problem });
    else routes.push({ ...parsed, index: index + lead });
    index += raw.length + 1;
  }
  return { routes, problems };
}

function parseRouteEntry(label: string, entry: string, domain: string): Omit<ParsedRoute, "index"> | { problem: string } {
  if (entry === "") return { problem: `${label} has an empty virtual host: separate hosts with a single ';'` };
  const schemeMatch = SCHEME_PREFIX.exec(entry);
  const scheme = (schemeMatch?.[1].toLowerCase() ?? "http") as RouteScheme;
  if (!SCHEMES.includes(scheme)) return { problem: `${label} has scheme '${schemeMatch![1]}': expected http, https, ws, wss or tcp` };
  const rest = entry.slice(schemeMatch?.[0].length ?? 0);
  const slash = rest.indexOf("/");
  const hostText = slash === -1 ? rest : rest.slice(0, slash);
  const host = virtualHost(hostText, domain);
  if (typeof host !== "string") return { problem: `${label}: ${host.problem}` };
  const context = contextPath(slash === -1 ? "" : rest.slice(slash));
  if (typeof context !== "string") return { problem: `${label}: ${context.problem}` };
  if (scheme === "tcp" && context !== "") return { problem: `${label}: a tcp route cannot have a context path, got '${context}'` };
  return { scheme, host, context };
}

/** A bare name ("tomcat-sample") is a prefix under the default domain, as Aliyun's test domains were. */
export function virtualHost(text: string, domain: string): string | { problem: string } {
  const name = text.toLowerCase();
  const full = name.includes(".") ? name : `${name}.${domain.toLowerCase()}`;
  const expected = "a DNS name: labels of letters, digits and '-' separated by '.', like 'web' or 'web.example.com'";
  if (name === "") return { problem: `virtual host is empty; expected ${expected}` };
  if (full.length > 253) return { problem: `virtual host '${text}' is longer than 253 characters` };
  const badLabel = full.split(".").find((l) => !DNS_LABEL.test(l));
  if (badLabel !== undefined) return { problem: `virtual host '${text}' is not ${expected}` };
  return full;
}

/** "/app/v1" stays; "/" and "" mean the whole host; a trailing "/" is dropped. */
export function contextPath(text: string): string | { problem: string } {
  const trimmed = text.replace(/\/$/, "");
  if (trimmed === "") return "";
  const segments = trimmed.slice(1).split("/");
  const safe = segments.every((s) => CONTEXT_SEGMENT.test(s) && s !== "." && s !== "..");
  if (!safe) return { problem: `context path '${text}' must be '/'-separated segments of letters, digits and . _ ~ -` };
  if (trimmed.length > MAX_CONTEXT) return { problem: `context path '${text}' is longer than ${MAX_CONTEXT} characters` };
  return trimmed;
}
