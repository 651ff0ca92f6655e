import { parseContainerEntry, parseKey, parseServiceRecord, compareContainerNames, type ContainerEntry } from "./records.js";

/** What a sync renders from one snapshot of a service's keys. */
export interface UpstreamServers {
  /** "server 127.0.0.1:32768;" per running container, in container order. */
  lines: string[];
  /** Running containers that could not be turned into a line, and why. */
  problems: string[];
}

export interface UpstreamOptions {
  /** Container port to route to; null: the service's first routed port, else the one port a container publishes. */
  port: number | null;
  /** Address the published ports are reached on (ports are published on 127.0.0.1). */
  host: string;
}

/**
 * The article's `upstreamServers`, one `server` line per running container, except that the
 * address is the port Docker published on the host, not the container's bridge address: a
 * host's own bridge addresses are not reachable from other machines (nor, on this one, allowed
 * by the network rule), and published ports are what Berth's router uses too.
 */
export function upstreamServers(id: string, kvs: Iterable<readonly [string, string]>, opts: UpstreamOptions): UpstreamServers {
  const containers: ContainerEntry[] = [];
  let routedPort: number | null = null;
  for (const [key, value] of kvs) {
    const parsed = parseKey(key);
    if (!parsed || parsed.id !== id) continue;
    if (parsed.kind === "service") {
      const routing = parseServiceRecord(value)?.Service.extensions.routing;
      const first = Array.isArray(routing) ? (routing[0] as { port?: unknown } | undefined) : undefined;
      routedPort = typeof first?.port === "number" ? first.port : null;
    } else {
      const entry = parseContainerEntry(value);
      if (entry?.running) containers.push(entry);
    }
  }
  containers.sort((a, b) => compareContainerNames(a.name, b.name));
  const port = opts.port ?? routedPort;
  const lines: string[] = [];
  const problems: string[] = [];
  for (const c of containers) {
    const published = Object.entries(c.published).filter(([k]) => k.endsWith("/tcp"));
    const chosen = port !== null ? published.find(([k]) => k === `${port}/tcp`) : published.length === 1 ? published[0] : undefined;
    if (chosen) lines.push(`server ${opts.host}:${chosen[1]};`);
    else if (port !== null) problems.push(`${c.name} does not publish port ${port}/tcp`);
    else problems.push(`${c.name} publishes ${published.length === 0 ? "no port" : "several ports"}: give --port`);
  }
  return { lines, problems };
}

/**
 * Fills `${upstreamServers}` and `${serviceName}` in the user's template. Other `$` words are
 * nginx's own variables ($host, $remote_addr) and stay as written (the article's Python
 * `Template.substitute` would have failed on them). A placeholder alone on its line indents
 * every server line like itself.
 */
export function renderUpstreamTemplate(template: string, values: { upstreamServers: string[]; serviceName: string }): string {
  return template
    .replace(/^([ \t]*)\$\{upstreamServers\}[ \t]*$/gm, (_, indent: string) => values.upstreamServers.map((l) => indent + l).join("\n"))
    .replace(/\$\{upstreamServers\}/g, () => values.upstreamServers.join("\n"))
    .replace(/\$\{serviceName\}/g, () => values.serviceName);
}
