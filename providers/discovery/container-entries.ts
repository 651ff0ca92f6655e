import type Docker from "dockerode";
import type { Attributes } from "../../src/core/types.js";
import { LABEL_PROJECT, LABEL_SERVICE } from "../docker/attributes.js";
import { publishedPorts } from "../docker/container-spec.js";
import type { ContainerEntry } from "./records.js";

/**
 * Docker's health words in the article's: "success" for a healthy container (or a running one
 * without a healthcheck), "failure" for an unhealthy or stopped one, "starting" while the first
 * checks run.
 */
export function healthWord(running: boolean, dockerHealth: string | undefined): string {
  if (!running) return "failure";
  if (dockerHealth === undefined || dockerHealth === "" || dockerHealth === "none" || dockerHealth === "healthy") return "success";
  if (dockerHealth === "unhealthy") return "failure";
  return dockerHealth;
}

/** The entry for one inspected container. */
export function entryFromInspect(info: Docker.ContainerInspectInfo, node: string): ContainerEntry {
  const state = info.State;
  const running = Boolean(state?.Running);
  const project = info.Config?.Labels?.[LABEL_PROJECT];
  const networks = info.NetworkSettings?.Networks ?? {};
  const ownNetwork = project ? networks[`${project}_default`] : undefined;
  const ip = ownNetwork?.IPAddress || Object.values(networks).find((n) => n.IPAddress)?.IPAddress || "";
  return {
    name: info.Name,
    node,
    ip,
    running,
    status: state?.Status ?? (running ? "running" : "exited"),
    health: healthWord(running, (state as { Health?: { Status?: string } } | undefined)?.Health?.Status),
    published: running ? publishedPorts(info) : {},
  };
}

/** Which service of which project an inspected container belongs to (Berth's labels). */
export function labelsOf(info: { Config?: { Labels?: Record<string, string> } }): { project: string; service: string } | null {
  const project = info.Config?.Labels?.[LABEL_PROJECT];
  const service = info.Config?.Labels?.[LABEL_SERVICE];
  return project && service ? { project, service } : null;
}

/**
 * The entry apply writes from what it recorded for a container, when the engine cannot be
 * asked: the recorded state, without the network address.
 */
export function entryFromRecorded(attrs: Attributes, node: string): ContainerEntry {
  const running = attrs.running !== false;
  const published: Record<string, number> = {};
  if (attrs.published && typeof attrs.published === "object" && !Array.isArray(attrs.published)) {
    for (const [k, v] of Object.entries(attrs.published)) if (typeof v === "number") published[k] = v;
  }
  return {
    name: `/${String(attrs.name)}`,
    node,
    ip: "",
    running,
    status: running ? "running" : "exited",
    health: healthWord(running, undefined),
    published: running ? published : {},
  };
}
