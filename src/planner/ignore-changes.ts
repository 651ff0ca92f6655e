import { SCALE_PATH } from "../core/lifecycle.js";
import type { ResourceSchema } from "../core/provider.js";
import type { Address, AttrValue, Attributes, DesiredResource, ObservedResource, ProviderName, RecordedResource, ResourceType } from "../core/types.js";
import { sameValue } from "./attribute-diff.js";

type SchemaOf = (provider: ProviderName, type: ResourceType) => ResourceSchema | undefined;

/**
 * Terraform's ignore_changes: the desired attributes with the recorded values at each ignored
 * path, so a difference there is not planned. The schema's digests (a config hash of the
 * template's values) are kept as recorded too when an ignored value differed, since they would
 * otherwise name the very change the user asked to ignore. Returns `desired` itself when
 * nothing ignored differs.
 */
export function withIgnoredKept(desired: Attributes, recorded: Attributes, schema: ResourceSchema | undefined): Attributes {
  const paths = (schema?.ignoredChanges?.(desired) ?? []).filter((p) => p[0] !== SCALE_PATH);
  let out: Attributes | null = null;
  for (const [attribute, key] of paths) {
    if (!(attribute in desired) && !(attribute in recorded)) continue;
    if (key === undefined) {
      if (sameValue(desired[attribute], recorded[attribute])) continue;
      out ??= { ...desired };
      setOrDelete(out, attribute, recorded[attribute]);
      continue;
    }
    const [want, had] = [asMap(desired[attribute]), asMap(recorded[attribute])];
    if (sameValue(want[key], had[key])) continue;
    out ??= { ...desired };
    const entries = { ...asMap(out[attribute]) };
    setOrDelete(entries, key, had[key]);
    out[attribute] = entries;
  }
  if (out === null) return desired;
  for (const [attribute, rule] of Object.entries(schema?.attributes ?? {})) {
    if (rule.digest && attribute in recorded) out[attribute] = recorded[attribute];
  }
  return out;
}

/** What the engine reports, without the attributes the user asked Berth to ignore: no drift there. */
export function withoutIgnored(observed: ObservedResource, recorded: Attributes, schema: ResourceSchema | undefined): ObservedResource {
  const whole = (schema?.ignoredChanges?.(recorded) ?? []).filter((p) => p.length === 1 && p[0] in observed.attributes).map((p) => p[0]);
  if (whole.length === 0) return observed;
  const attributes = { ...observed.attributes };
  for (const key of whole) delete attributes[key];
  return { ...observed, attributes };
}

/**
 * ignore_changes on `scale`: Berth keeps the replicas of the service that run (or are recorded,
 * when nothing was observed) instead of the template's count. Replicas the template adds are
 * not created; replicas beyond it, recorded or found running, are left as they are, out of the
 * plan. A service nothing runs for yet gets the template's count. Pure.
 */
export function keepRunningReplicas(
  desired: readonly DesiredResource[],
  recorded: readonly RecordedResource[],
  observed: readonly ObservedResource[],
  observedProviders: ReadonlySet<ProviderName>,
  schemaOf: SchemaOf,
): { desired: DesiredResource[]; recorded: RecordedResource[]; observed: ObservedResource[] } {
  const groupOf = (type: ResourceType, service: string | null | undefined) => `${type}/${service ?? ""}`;
  const ignoring = new Set(
    desired
      .filter((d) => d.index !== null && (schemaOf(d.provider, d.type)?.ignoredChanges?.(d.attributes) ?? []).some((p) => p[0] === SCALE_PATH))
      .map((d) => groupOf(d.type, d.service)),
  );
  if (ignoring.size === 0) return { desired: [...desired], recorded: [...recorded], observed: [...observed] };

  const serviceOfObserved = (o: ObservedResource) => (typeof o.attributes.service === "string" ? o.attributes.service : replicaName(o.address));
  const observedAt = new Map(observed.filter((o) => !o.foreign).map((o) => [o.address, o]));
  const running = new Map<string, Set<Address>>();
  const add = (group: string, address: Address) => running.set(group, (running.get(group) ?? new Set()).add(address));
  for (const r of recorded) {
    const group = groupOf(r.type, r.service ?? replicaName(r.address));
    if (!ignoring.has(group)) continue;
    if (!observedProviders.has(r.provider) || observedAt.has(r.address)) add(group, r.address);
  }
  for (const o of observedAt.values()) {
    const group = groupOf(o.type, serviceOfObserved(o));
    if (ignoring.has(group)) add(group, o.address);
  }
  const recordedGroups = new Set(recorded.map((r) => groupOf(r.type, r.service ?? replicaName(r.address))));
  // Never applied: the template's count, as on any first apply.
  const kept = (group: string) => running.get(group) ?? (recordedGroups.has(group) ? new Set<Address>() : null);
  const wanted = desired.filter((d) => {
    const runs = d.index === null ? null : kept(groupOf(d.type, d.service));
    return runs === null || runs.has(d.address);
  });
  const wantedAt = new Set(wanted.map((d) => d.address));
  const inPlan = (type: ResourceType, service: string | null | undefined, address: Address) => {
    const runs = kept(groupOf(type, service));
    return runs === null || wantedAt.has(address);
  };
  return {
    desired: wanted,
    recorded: recorded.filter((r) => inPlan(r.type, r.service ?? replicaName(r.address), r.address)),
    observed: observed.filter((o) => o.foreign !== undefined || inPlan(o.type, serviceOfObserved(o), o.address)),
  };
}

/** "container.web[2]" → "web"; null for an address of no replica. */
function replicaName(address: Address): string | null {
  const m = /^[^.]+\.(.+)\[\d+\]$/.exec(address);
  return m ? m[1] : null;
}

function asMap(value: AttrValue | undefined): { [key: string]: AttrValue } {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

function setOrDelete(target: { [key: string]: AttrValue }, key: string, value: AttrValue | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}
