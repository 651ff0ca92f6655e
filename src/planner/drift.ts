import type { DriftEntry } from "../core/plan.js";
import type { ResourceSchema } from "../core/provider.js";
import type { Attributes, ObservedResource, RecordedResource } from "../core/types.js";
import { ruleFor, sameValue } from "./attribute-diff.js";
import { nameAndIndex } from "../core/address-parts.js";

export type DriftKind = "missing" | "stopped" | "changed";

export interface Drift {
  kind: DriftKind;
  /** Observed keys that differ from the record. */
  keys: string[];
  entry: DriftEntry;
}

/**
 * What changed outside Berth: the record says one thing, the engine another. Only keys the
 * provider observed are compared; a stopped container is a milder drift than a changed one
 * because starting it fixes it in place.
 */
export function detectDrift(recorded: RecordedResource, observed: ObservedResource | undefined, schema: ResourceSchema | undefined): Drift | null {
  if (!observed) {
    return {
      kind: "missing",
      keys: [],
      entry: {
        address: recorded.address,
        type: recorded.type,
        provider: recorded.provider,
        ...nameAndIndex(recorded.address),
        summary: `${recorded.type} was removed outside Berth`,
        before: recorded.attributes,
        after: null,
        sensitivePaths: [],
        identifierPaths: [],
      },
    };
  }
  const keys = Object.keys(observed.attributes)
    .filter((k) => k in recorded.attributes && !sameValue(observed.attributes[k], recorded.attributes[k]))
    .sort();
  if (keys.length === 0) return null;
  const kind: DriftKind = keys.every((k) => ruleFor(schema, k).liveness === true) ? "stopped" : "changed";
  const before: Attributes = {};
  const after: Attributes = {};
  for (const k of keys) {
    before[k] = recorded.attributes[k];
    after[k] = observed.attributes[k];
  }
  const summary =
    kind === "stopped" ? `${recorded.type} was stopped outside Berth` : `${recorded.type} was changed outside Berth (${keys.join(", ")})`;
  return { kind, keys, entry: { address: recorded.address, type: recorded.type, provider: recorded.provider, ...nameAndIndex(recorded.address), summary, before, after, sensitivePaths: [], identifierPaths: [] } };
}
