import type { LoadContext } from "./load-context.js";
import type { MapEntry } from "./yaml-nodes.js";

/**
 * Every key of the compose specification, and what Berth does with each one it does not read.
 * The rule: a key that changes what runs either works as docker compose runs it, or is refused
 * at `validate`. Accepted-and-ignored would let the user believe it took effect.
 *
 * This is the one place refusals live: to support a key, give it a reader (service.ts's
 * KEY_READERS, top-level.ts) and delete its line here. docs/compose-compatibility.md is
 * generated from these lists (compat-doc.ts).
 */

/** Service keys of the compose specification (compose-spec's schema, 2025), sorted. */
export const COMPOSE_SERVICE_KEYS = [
  "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent", "command",
  "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
  "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on", "deploy", "develop",
  "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint", "env_file",
  "environment", "expose", "extends", "external_links", "extra_hosts", "gpus", "group_add", "healthcheck",
  "hostname", "image", "init", "ipc", "isolation", "label_file", "labels", "links", "logging", "mac_address",
  "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "models", "network_mode", "networks",
  "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "post_start", "pre_stop",
  "privileged", "profiles", "provider", "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime",
  "scale", "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt",
  "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user", "userns_mode", "uts", "volumes", "volumes_from",
  "working_dir",
] as const;

/** Top-level keys of the compose specification. */
export const COMPOSE_TOP_LEVEL_KEYS = ["configs", "include", "models", "name", "networks", "secrets", "services", "version", "volumes"] as const;

/** Refused with a reason, because Berth does not implement them yet (lift by implementing). */
export const REFUSED_SERVICE_KEYS: Readonly<Record<string, string>> = {
  external_links: "Berth links only services of the same template",
  gpus: "Berth does not request GPUs",
  models: "Berth does not run AI models",
  provider: "Berth runs only containers",
  post_start: "Berth runs no lifecycle hooks",
  pre_stop: "Berth runs no lifecycle hooks",
};

export const REFUSED_TOP_LEVEL_KEYS: Readonly<Record<string, string>> = {
  models: "Berth does not run AI models",
};

/** Service keys that change nothing a container runs with: accepted, with a warning that says so. */
export const NO_EFFECT_SERVICE_KEYS: Readonly<Record<string, string>> = {
  attach: "Berth never attaches to container output",
  develop: "it configures `docker compose watch`, which Berth does not have",
};

/** Keys that only document (`x-*` extensions): never a diagnostic. */
export function isExtension(key: string): boolean {
  return key.startsWith("x-");
}

/** The one refusal message for a service key Berth does not read (a compose key or a typo). */
export function refuseServiceKey(ctx: LoadContext, service: string, entry: MapEntry): void {
  const why = REFUSED_SERVICE_KEYS[entry.key];
  const known = (COMPOSE_SERVICE_KEYS as readonly string[]).includes(entry.key);
  const what = known ? `'${entry.key}' is not supported by Berth` : `'${entry.key}' is not a compose service key, and Berth does not support it`;
  ctx.error("E_UNSUPPORTED_KEY", `service '${service}': ${what}${why ? `: ${why}` : ""}`, entry.keyLoc);
}

export function refuseTopLevelKey(ctx: LoadContext, entry: MapEntry): void {
  const why = REFUSED_TOP_LEVEL_KEYS[entry.key];
  const known = (COMPOSE_TOP_LEVEL_KEYS as readonly string[]).includes(entry.key);
  const what = known ? `top-level '${entry.key}' is not supported by Berth` : `'${entry.key}' is not a compose top-level key, and Berth does not support it`;
  ctx.error("E_UNSUPPORTED_KEY", `${what}${why ? `: ${why}` : ""}`, entry.keyLoc);
}

export function warnNoEffect(ctx: LoadContext, service: string, entry: MapEntry): void {
  ctx.warn("W_NO_EFFECT", `service '${service}': ${entry.key} has no effect in Berth: ${NO_EFFECT_SERVICE_KEYS[entry.key]}`, entry.keyLoc);
}
