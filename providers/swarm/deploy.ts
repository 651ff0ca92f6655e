import { UserError, UserErrors, type Diagnostic, type SourceLoc } from "../../src/core/errors.js";
import { parseByteSize } from "../../src/template/byte-size.js";
import { parseDuration } from "../../src/template/duration.js";
import type { DeployEntry, ServiceSpec } from "../../src/template/types.js";
import type { PlacementAttr, ResourcesAttr, RestartPolicyAttr, UpdateConfigAttr } from "./attributes.js";

/**
 * `deploy:` as a swarm reads it (compose-spec's deploy section), from the entries the loader
 * kept as written. Pure: every problem is a diagnostic at the entry's place in the template.
 */
export interface SwarmDeploy {
  update_config: UpdateConfigAttr;
  rollback_config: UpdateConfigAttr;
  restart_policy: RestartPolicyAttr;
  placement: PlacementAttr;
  resources: ResourcesAttr;
  labels: Record<string, string>;
  endpoint_mode: "dnsrr" | "vip";
}

/** Docker's own defaults (docker service create), so a template that says nothing gets what a swarm gives. */
export function defaultUpdateConfig(parallelism = 1): UpdateConfigAttr {
  return { parallelism, delay_seconds: 0, failure_action: "pause", monitor_seconds: 5, max_failure_ratio: 0, order: "stop-first" };
}

const KNOWN = new Set(["update_config", "rollback_config", "restart_policy", "placement", "resources", "labels", "endpoint_mode", "mode"]);

export function readSwarmDeploy(spec: ServiceSpec): SwarmDeploy {
  const problems: Diagnostic[] = [];
  const fail = (message: string, loc: SourceLoc) => problems.push({ severity: "error", code: "E_SWARM_DEPLOY", message: `service '${spec.name}': ${message}`, where: loc });
  const entry = (key: string): DeployEntry | undefined => spec.deploy[key];
  for (const [key, e] of Object.entries(spec.deploy)) if (!KNOWN.has(key)) fail(`deploy.${key} is not supported on a swarm by Berth`, e.loc);
  const mode = entry("mode");
  if (mode && mode.value !== "replicated") fail(`deploy.mode ${JSON.stringify(mode.value)} is not supported by Berth yet: set the replicas`, mode.loc);
  // aliyun.rolling_updates' parallelism is the article's spelling of update_config.parallelism.
  const parallelism = spec.aliyun.rollingUpdates ? spec.aliyun.parallelism : 1;
  const deploy: SwarmDeploy = {
    update_config: updateConfig(entry("update_config"), "update_config", defaultUpdateConfig(parallelism), fail),
    rollback_config: updateConfig(entry("rollback_config"), "rollback_config", defaultUpdateConfig(1), fail),
    restart_policy: restartPolicy(entry("restart_policy"), spec.restart, fail),
    placement: placement(entry("placement"), fail),
    resources: resources(entry("resources"), spec, fail),
    labels: labels(entry("labels"), fail),
    endpoint_mode: endpointMode(entry("endpoint_mode"), fail),
  };
  if (problems.length === 1) throw new UserError(problems[0].code, problems[0].message, problems[0].where);
  if (problems.length > 1) throw new UserErrors(problems);
  return deploy;
}

type Fail = (message: string, loc: SourceLoc) => void;

function asMap(e: DeployEntry | undefined, what: string, fail: Fail): Record<string, unknown> {
  if (!e || e.value === null) return {};
  if (typeof e.value === "object" && !Array.isArray(e.value)) return e.value as Record<string, unknown>;
  fail(`deploy.${what} must be a map, got ${JSON.stringify(e.value)}`, e.loc);
  return {};
}

function seconds(value: unknown, what: string, loc: SourceLoc, fail: Fail): number | null {
  if (value === undefined || value === null) return null;
  const parsed = typeof value === "number" ? value : parseDuration(String(value));
  if (parsed === null || parsed < 0) {
    fail(`${what} must be a duration like 10s or 1m30s, got ${JSON.stringify(value)}`, loc);
    return null;
  }
  return parsed;
}

function whole(value: unknown, what: string, loc: SourceLoc, fail: Fail, min = 0): number | null {
  if (value === undefined || value === null) return null;
  const n = typeof value === "number" ? value : Number(String(value));
  if (!Number.isInteger(n) || n < min) {
    fail(`${what} must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`, loc);
    return null;
  }
  return n;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string, loc: SourceLoc, fail: Fail): T | null {
  if (value === undefined || value === null) return null;
  if (allowed.includes(value as T)) return value as T;
  fail(`${what} must be ${allowed.join(", ")}, got ${JSON.stringify(value)}`, loc);
  return null;
}

function onlyKeys(map: Record<string, unknown>, allowed: readonly string[], what: string, loc: SourceLoc, fail: Fail): void {
  for (const key of Object.keys(map)) if (!allowed.includes(key)) fail(`deploy.${what}.${key} is not a compose ${what} key`, loc);
}

function updateConfig(e: DeployEntry | undefined, what: string, defaults: UpdateConfigAttr, fail: Fail): UpdateConfigAttr {
  const map = asMap(e, what, fail);
  if (!e) return defaults;
  onlyKeys(map, ["parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order"], what, e.loc, fail);
  const ratio = map.max_failure_ratio === undefined ? null : Number(map.max_failure_ratio);
  if (ratio !== null && !(ratio >= 0 && ratio <= 1)) fail(`deploy.${what}.max_failure_ratio must be between 0 and 1, got ${JSON.stringify(map.max_failure_ratio)}`, e.loc);
  return {
    parallelism: whole(map.parallelism, `deploy.${what}.parallelism`, e.loc, fail) ?? defaults.parallelism,
    delay_seconds: seconds(map.delay, `deploy.${what}.delay`, e.loc, fail) ?? defaults.delay_seconds,
    failure_action: oneOf(map.failure_action, ["pause", "continue", "rollback"] as const, `deploy.${what}.failure_action`, e.loc, fail) ?? defaults.failure_action,
    monitor_seconds: seconds(map.monitor, `deploy.${what}.monitor`, e.loc, fail) ?? defaults.monitor_seconds,
    max_failure_ratio: ratio !== null && ratio >= 0 && ratio <= 1 ? ratio : defaults.max_failure_ratio,
    order: oneOf(map.order, ["stop-first", "start-first"] as const, `deploy.${what}.order`, e.loc, fail) ?? defaults.order,
  };
}

/** deploy.restart_policy, else the service's `restart:` in a swarm's words (compose maps them so). */
function restartPolicy(e: DeployEntry | undefined, restart: string | null, fail: Fail): RestartPolicyAttr {
  const map = asMap(e, "restart_policy", fail);
  if (e) {
    onlyKeys(map, ["condition", "delay", "max_attempts", "window"], "restart_policy", e.loc, fail);
    return {
      condition: oneOf(map.condition, ["none", "on-failure", "any"] as const, "deploy.restart_policy.condition", e.loc, fail) ?? "any",
      delay_seconds: seconds(map.delay, "deploy.restart_policy.delay", e.loc, fail),
      max_attempts: whole(map.max_attempts, "deploy.restart_policy.max_attempts", e.loc, fail),
      window_seconds: seconds(map.window, "deploy.restart_policy.window", e.loc, fail),
    };
  }
  const [policy, attempts] = (restart ?? "always").split(":");
  const condition = policy === "no" ? "none" : policy === "on-failure" ? "on-failure" : "any";
  return { condition, delay_seconds: null, max_attempts: attempts ? Number(attempts) : null, window_seconds: null };
}

function placement(e: DeployEntry | undefined, fail: Fail): PlacementAttr {
  const map = asMap(e, "placement", fail);
  const out: PlacementAttr = { constraints: [], preferences: [], max_replicas_per_node: null };
  if (!e) return out;
  onlyKeys(map, ["constraints", "preferences", "max_replicas_per_node"], "placement", e.loc, fail);
  const constraints = map.constraints ?? [];
  if (Array.isArray(constraints) && constraints.every((c) => typeof c === "string")) out.constraints = constraints as string[];
  else fail(`deploy.placement.constraints must be a list of strings like node.role==worker`, e.loc);
  const preferences = map.preferences ?? [];
  if (Array.isArray(preferences)) {
    for (const p of preferences) {
      const spread = p && typeof p === "object" ? (p as Record<string, unknown>).spread : undefined;
      if (typeof spread === "string") out.preferences.push(spread);
      else fail(`deploy.placement.preferences entries must be {spread: node.labels.<label>}, got ${JSON.stringify(p)}`, e.loc);
    }
  } else fail(`deploy.placement.preferences must be a list`, e.loc);
  out.max_replicas_per_node = whole(map.max_replicas_per_node, "deploy.placement.max_replicas_per_node", e.loc, fail, 1);
  return out;
}

/**
 * deploy.resources, with the service-level mem_limit / cpus / pids_limit / mem_reservation the
 * loader already settled (it refuses two different values for one setting).
 */
function resources(e: DeployEntry | undefined, spec: ServiceSpec, fail: Fail): ResourcesAttr {
  const out: ResourcesAttr = {
    limits: { cpus: spec.settings.cpus ?? null, memory: spec.settings.mem_limit ?? null, pids: spec.settings.pids_limit ?? null },
    reservations: { cpus: null, memory: spec.settings.mem_reservation ?? null },
  };
  if (!e) return out;
  const map = asMap(e, "resources", fail);
  const reservations = map.reservations;
  if (reservations && typeof reservations === "object" && "cpus" in reservations) {
    const cpus = Number((reservations as Record<string, unknown>).cpus);
    if (cpus > 0) out.reservations.cpus = cpus;
    else fail(`deploy.resources.reservations.cpus must be a number > 0`, e.loc);
  }
  if (reservations && typeof reservations === "object" && "memory" in reservations && out.reservations.memory === null) {
    out.reservations.memory = parseByteSize(String((reservations as Record<string, unknown>).memory));
  }
  return out;
}

function labels(e: DeployEntry | undefined, fail: Fail): Record<string, string> {
  if (!e || e.value === null) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(e.value)) {
    for (const item of e.value) {
      const [k, ...v] = String(item).split("=");
      out[k] = v.join("=");
    }
  } else if (typeof e.value === "object") {
    for (const [k, v] of Object.entries(e.value as Record<string, unknown>)) out[k] = v === null ? "" : String(v);
  } else fail(`deploy.labels must be a map or a list of key=value`, e.loc);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * dnsrr unless the template asks for vip: a virtual IP needs IPVS in the kernel, which the
 * machines Berth runs on may lack, and Berth's router, not a VIP, balances routed traffic.
 */
function endpointMode(e: DeployEntry | undefined, fail: Fail): "dnsrr" | "vip" {
  if (!e) return "dnsrr";
  return oneOf(e.value, ["dnsrr", "vip"] as const, "deploy.endpoint_mode", e.loc, fail) ?? "dnsrr";
}
