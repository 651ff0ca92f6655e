import { isMap } from "yaml";
import { byteSize, cpus, integer } from "./keys-container.js";
import type { LoadContext } from "./load-context.js";
import type { KeyInput, ServiceDraft } from "./service-draft.js";
import { describe, isNullNode, mapEntries, scalarText, type MapEntry } from "./yaml-nodes.js";

/**
 * `deploy:` as docker compose applies it to containers on one engine: replicas, resources
 * (limits of cpus, memory, pids; a memory reservation) and restart_policy. The swarm-only
 * parts docker compose itself ignores outside swarm are accepted with a warning saying so.
 */

const SWARM_ONLY = new Set(["labels", "placement", "update_config", "rollback_config", "endpoint_mode"]);

type Reader = (ctx: LoadContext, entry: MapEntry, draft: ServiceDraft, service: string) => void;

export const DEPLOY_READERS: Record<string, Reader> = {
  resources: readResources,
  restart_policy: readRestartPolicy,
  mode: (ctx, entry, _draft, service) => {
    const mode = scalarText(entry.value);
    if (mode === "replicated") return;
    if (mode === "global") ctx.error("E_UNSUPPORTED_KEY", `service '${service}': deploy.mode global is not supported by Berth: it runs one engine; set the replicas`, entry.valueLoc);
    else ctx.error("E_VALUE", `deploy.mode must be replicated or global, got ${describe(entry.value)}`, entry.valueLoc);
  },
};

/** deploy.<key> other than replicas; false: not a deploy key Berth knows. */
export function readDeployKey(ctx: LoadContext, entry: MapEntry, draft: ServiceDraft, service: string): void {
  draft.spec.deploy[entry.key] = { value: plainValue(entry.value), loc: entry.valueLoc };
  const reader = DEPLOY_READERS[entry.key];
  if (reader) return reader(ctx, entry, draft, service);
  if (SWARM_ONLY.has(entry.key)) {
    ctx.warn("W_SWARM_ONLY", `deploy.${entry.key} applies to swarm services only; on one engine it has no effect (docker compose ignores it too)`, entry.keyLoc);
  } else {
    ctx.error("E_UNSUPPORTED_KEY", `service '${service}': deploy.${entry.key} is not supported by Berth`, entry.keyLoc);
  }
}

const MIB = 1024 ** 2;
const LIMITS = {
  cpus: { setting: "cpus", parse: cpus },
  memory: { setting: "mem_limit", parse: byteSize(6 * MIB) },
  pids: { setting: "pids_limit", parse: integer(-1) },
} as const;
const RESERVATIONS = { memory: { setting: "mem_reservation", parse: byteSize(1) } } as const;
const REFUSED_RESERVATIONS: Record<string, string> = {
  cpus: "the engine reserves no CPU for one container (docker compose ignores it); set deploy.resources.limits.cpus or cpu_shares",
  devices: "Berth does not request devices (GPUs)",
  generic_resources: "Berth does not request generic resources",
};

function readResources(ctx: LoadContext, entry: MapEntry, draft: ServiceDraft, service: string): void {
  for (const group of sections(ctx, entry, "deploy.resources")) {
    const table: Record<string, { setting: string; parse: (input: KeyInput) => number | undefined }> =
      group.key === "limits" ? LIMITS : group.key === "reservations" ? RESERVATIONS : {};
    if (group.key !== "limits" && group.key !== "reservations") {
      ctx.error("E_UNSUPPORTED_KEY", `service '${service}': deploy.resources.${group.key} is not a compose resources key`, group.keyLoc);
      continue;
    }
    for (const field of sections(ctx, group, `deploy.resources.${group.key}`)) {
      const key = `deploy.resources.${group.key}.${field.key}`;
      const known = table[field.key];
      if (!known) {
        const why = group.key === "reservations" ? REFUSED_RESERVATIONS[field.key] : undefined;
        ctx.error("E_UNSUPPORTED_KEY", `service '${service}': ${key} is not supported by Berth${why ? `: ${why}` : ""}`, field.keyLoc);
        continue;
      }
      const value = known.parse({ ctx, service, key, keyLoc: field.keyLoc, value: field.value, valueLoc: field.valueLoc });
      if (value !== undefined) draft.overlaps.push({ setting: known.setting, writtenAs: key, value, loc: field.valueLoc });
    }
  }
}

const CONDITIONS: Record<string, string> = { none: "no", "on-failure": "on-failure", any: "always" };

/** condition none | on-failure | any, max_attempts → the container's restart policy, as compose maps it. */
function readRestartPolicy(ctx: LoadContext, entry: MapEntry, draft: ServiceDraft, service: string): void {
  let condition = "always";
  let attempts: number | undefined;
  for (const field of sections(ctx, entry, "deploy.restart_policy")) {
    const key = `deploy.restart_policy.${field.key}`;
    if (field.key === "condition") {
      const written = scalarText(field.value);
      if (written !== undefined && written in CONDITIONS) condition = CONDITIONS[written];
      else ctx.error("E_RESTART", `${key} must be none, on-failure or any, got ${describe(field.value)}`, field.valueLoc);
    } else if (field.key === "max_attempts") {
      attempts = integer(0)({ ctx, service, key, keyLoc: field.keyLoc, value: field.value, valueLoc: field.valueLoc });
    } else if (field.key === "delay" || field.key === "window") {
      ctx.warn("W_SWARM_ONLY", `${key} applies to swarm services only; the engine restarts a container without it (docker compose ignores it too)`, field.keyLoc);
    } else {
      ctx.error("E_UNSUPPORTED_KEY", `service '${service}': ${key} is not a compose restart_policy key`, field.keyLoc);
    }
  }
  const restart = condition === "on-failure" && attempts ? `on-failure:${attempts}` : condition;
  draft.overlaps.push({ setting: "restart", writtenAs: "deploy.restart_policy", value: restart, loc: entry.keyLoc });
}

/** The entries of a map-valued entry; anything else is reported. */
function sections(ctx: LoadContext, entry: MapEntry, what: string): MapEntry[] {
  if (isNullNode(entry.value)) return [];
  if (isMap(entry.value)) return mapEntries(ctx, entry.value);
  ctx.error("E_TYPE", `${what} must be a map, got ${describe(entry.value)}`, entry.valueLoc);
  return [];
}

/** A YAML node as plain JSON (anchors resolved by the document), for engines that read deploy: whole. */
function plainValue(node: MapEntry["value"]): unknown {
  const json = (node as { toJSON?: () => unknown } | null)?.toJSON?.();
  return json === undefined ? null : json;
}
