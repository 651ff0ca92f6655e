import { hasAction, type ResourceChange } from "../core/plan.js";
import type { ResourceSchema } from "../core/provider.js";
import type { ProviderName, ResourceType } from "../core/types.js";
import { sameValue } from "./attribute-diff.js";

type SchemaOf = (provider: ProviderName, type: ResourceType) => ResourceSchema | undefined;

/**
 * Which changes interrupt traffic, from the actions alone and what each provider's schema says
 * about how traffic meets its resources (ResourceSchema.traffic). Pure; returns the changes with
 * `interruption` set on those that interrupt, in the same order.
 *
 * A replica goes down when it is replaced destroy-first, deleted, or restarted with a
 * dependency; its service is interrupted when no other replica that runs now stays up
 * meanwhile. Destroy-first replacements run side by side (only create-first ones roll a few
 * at a time), so replacing every replica of a service destroy-first leaves none serving.
 */
export function markInterruptions(changes: readonly ResourceChange[], schemaOf: SchemaOf): ResourceChange[] {
  const replicasOf = new Map<string, ResourceChange[]>();
  for (const c of changes) {
    if (schemaOf(c.provider, c.type)?.traffic !== "replica") continue;
    const group = groupOf(c);
    replicasOf.set(group, [...(replicasOf.get(group) ?? []), c]);
  }
  return changes.map((c) => {
    const why = interruption(c, schemaOf(c.provider, c.type), replicasOf.get(groupOf(c)) ?? []);
    if (why === null) {
      if (c.interruption === undefined) return c;
      const { interruption: _stale, ...rest } = c;
      return rest;
    }
    return { ...c, interruption: why };
  });
}

function interruption(c: ResourceChange, schema: ResourceSchema | undefined, replicas: readonly ResourceChange[]): string | null {
  const destroyFirst = c.actions[0] === "delete";
  switch (schema?.traffic) {
    case "entry":
      if (!destroyFirst) return null;
      return hasAction(c, "create") ? `${c.address} is not served until it is made again` : `${c.address} is no longer served`;
    case "path":
      return destroyFirst && hasAction(c, "create") ? `what is connected through ${c.address} loses its connections until it is made again` : null;
    case "replica":
      return replicaInterruption(c, schema, replicas);
    default:
      return null;
  }
}

const DOWN_WORDS = {
  replaced: { own: "is replaced destroy-first", all: "is replaced destroy-first: none serves meanwhile" },
  restarted: { own: "restarts", all: "restarts at once" },
  reconnected: { own: "is reconnected to its networks as it is renamed", all: "is reconnected to its networks as it is renamed: none serves meanwhile" },
} as const;

function replicaInterruption(c: ResourceChange, schema: ResourceSchema, replicas: readonly ResourceChange[]): string | null {
  const down = goesDown(c, schema);
  if (down === null) return null;
  const service = c.service ?? c.address;
  const own = down === "deleted" ? null : (schema.ownAddress?.(c.before ?? c.after ?? {}) ?? null);
  if (own !== null && down !== "deleted") return `${own} answers only on ${c.address}, which ${DOWN_WORDS[down].own}`;
  if (replicas.some((r) => r.address !== c.address && servesThroughout(r, schema))) return null;
  if (down === "deleted") return `no replica of ${service} is left serving`;
  const others = replicas.filter((r) => r.address !== c.address && r.before !== null).length;
  const subject = others === 0 ? `the only replica of ${service}` : `every replica of ${service}`;
  return `${subject} ${DOWN_WORDS[down].all}`;
}

/** How the change takes a running replica down, if it does. */
function goesDown(c: ResourceChange, schema: ResourceSchema): "replaced" | "deleted" | "restarted" | "reconnected" | null {
  if (c.before === null || c.reason === "drift-missing" || c.reason === "drift-stopped") return null;
  if (c.actions[0] === "delete") return hasAction(c, "create") ? "replaced" : "deleted";
  if (c.actions[0] !== "update") return null;
  if (c.reason === "dependency-changed") return "restarted";
  const reconnects = schema.rename?.reconnects ?? [];
  if (c.movedFrom !== undefined && reconnects.some((k) => !sameValue(c.before?.[k], c.after?.[k]))) return "reconnected";
  return null;
}

/** A replica that runs now and keeps running while the plan is carried out. */
function servesThroughout(r: ResourceChange, schema: ResourceSchema): boolean {
  if (r.before === null || r.reason === "drift-missing" || r.reason === "drift-stopped" || r.reason === "orphan") return false;
  return goesDown(r, schema) === null;
}

/** Replicas of one service of one type share its traffic. */
function groupOf(c: ResourceChange): string {
  return `${c.provider}/${c.type}/${c.service ?? c.address}`;
}
