import { canonicalJson, sha256 } from "../../src/core/hash.js";
import type { Address, Attributes } from "../../src/core/types.js";
import type { ProjectConfig } from "./render.js";
import type { RoutingResource } from "./routes.js";

/**
 * A project's include file starts with one comment line holding, as JSON, the route and upstream
 * resources it renders and a hash of the rendered text. `refresh` reads it back: a deleted file is
 * a missing route, a hand-edited one a changed route. Pure: no I/O.
 */

const MARKER = "# berth-state: ";
/** Kept out of the header: shown in plans, rendered again on every apply. */
const NOT_IN_HEADER = new Set(["rendered_config", "serving"]);

export interface ProjectFiles {
  /** projects/<project>.conf, null when the project routes nothing. */
  http: string | null;
  /** streams/<project>.conf, null when the project has no tcp route. */
  stream: string | null;
}

export interface StateHeader {
  version: 1;
  project: string;
  listen: string;
  http_sha256: string;
  stream_sha256: string | null;
  resources: { address: Address; type: "route" | "upstream"; attributes: Attributes }[];
}

export interface LiveProject {
  header: StateHeader;
  /** The text below the header, or the stream file, no longer matches the hash written with it. */
  edited: boolean;
}

/** The files of one project: nothing at all when it routes nothing. */
export function projectFiles(project: string, listen: string, resources: readonly RoutingResource[], config: ProjectConfig): ProjectFiles {
  const routes = resources.filter((r) => r.type === "route");
  if (routes.length === 0) return { http: null, stream: null };
  const stream = config.stream === "" ? null : `# Managed by Berth: tcp routes of project ${project}.\n\n${config.stream}`;
  const header: StateHeader = {
    version: 1,
    project,
    listen,
    http_sha256: sha256(config.http),
    stream_sha256: stream === null ? null : sha256(stream),
    resources: resources.map((r) => ({ address: r.address, type: r.type, attributes: headerAttributes(r.attributes) })),
  };
  const http = [
    `${MARKER}${canonicalJson(header)}`,
    `# Managed by Berth: routes of project ${project}. Edits are lost on the next apply and show as drift in 'berth plan'.`,
    "",
    config.http,
  ].join("\n");
  return { http, stream };
}

function headerAttributes(attributes: Attributes): Attributes {
  return Object.fromEntries(Object.entries(attributes).filter(([k]) => !NOT_IN_HEADER.has(k)));
}

/** Reads a project's files back; null when there is no file or its header is not Berth's. */
export function parseProjectFiles(files: ProjectFiles): LiveProject | null {
  if (files.http === null || !files.http.startsWith(MARKER)) return null;
  const newline = files.http.indexOf("\n");
  let header: StateHeader;
  try {
    header = JSON.parse(files.http.slice(MARKER.length, newline === -1 ? undefined : newline)) as StateHeader;
  } catch {
    return null;
  }
  if (header?.version !== 1 || !Array.isArray(header.resources)) return null;
  const body = files.http.split("\n").slice(3).join("\n");
  const edited =
    sha256(body) !== header.http_sha256 || (files.stream === null ? header.stream_sha256 !== null : sha256(files.stream) !== header.stream_sha256);
  return { header, edited };
}
