import { join, resolve } from "node:path";
import { UserError } from "../src/core/errors.js";
import type { StateBackend } from "./backend.js";
import { LocalStateBackend } from "./local/local-backend.js";

/** Key prefix used when an etcd URL names none (`etcd://host:2379`). */
export const DEFAULT_ETCD_PREFIX = "berth";

/**
 * Picks the state backend from `--state`:
 *   undefined                      → <templateDir>/.berth/<project>.state.json
 *   etcd://host:port[,host:port]/p → etcd under prefix "p"
 *   anything else                  → a local file at that path (relative to the working directory)
 */
export async function openStateBackend(
  spec: string | undefined,
  defaults: { templateDir: string; project: string },
): Promise<StateBackend> {
  if (spec === undefined || spec === "") {
    return new LocalStateBackend(defaultStatePath(defaults.templateDir, defaults.project));
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1]?.toLowerCase();
  if (scheme === undefined) return new LocalStateBackend(resolve(spec));
  if (scheme !== "etcd") {
    throw new UserError("E_STATE_BACKEND", `unknown state backend "${scheme}://" in ${spec}; use a file path or etcd://host:port/prefix`);
  }
  const { endpoints, prefix } = parseEtcdSpec(spec);
  const { EtcdStateBackend } = await import("./etcd/etcd-backend.js");
  return new EtcdStateBackend({ endpoints, prefix, project: defaults.project });
}

export function defaultStatePath(templateDir: string, project: string): string {
  return join(templateDir, ".berth", `${project}.state.json`);
}

/** "etcd://a:2379,b:2379/team/x/" → endpoints ["http://a:2379", "http://b:2379"], prefix "team/x". */
export function parseEtcdSpec(spec: string): { endpoints: string[]; prefix: string } {
  const match = /^etcd:\/\/([^/]*)(?:\/(.*))?$/i.exec(spec);
  const hosts = (match?.[1] ?? "").split(",").filter((host) => host !== "");
  if (hosts.length === 0) {
    throw new UserError("E_STATE_BACKEND", `no etcd host in ${spec}; write etcd://host:port/prefix`);
  }
  const prefix = (match?.[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { endpoints: hosts.map((host) => `http://${host}`), prefix: prefix === "" ? DEFAULT_ETCD_PREFIX : prefix };
}
