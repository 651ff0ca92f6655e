import { UserError, type Diagnostic } from "../core/errors.js";
import {
  hasAction,
  isNoOp,
  isReplace,
  type Actions,
  type ChangeReason,
  type Conflict,
  type DriftEntry,
  type KeptResource,
  type Plan,
  type ResourceChange,
} from "../core/plan.js";
import type { ProviderSchema, ResourceSchema } from "../core/provider.js";
import type {
  Address,
  AttrValue,
  Attributes,
  DesiredResource,
  Observation,
  ObservedResource,
  ProviderName,
  RecordedResource,
  ResourceType,
} from "../core/types.js";
import { addressMatches, compareAddresses } from "../model/addresses.js";
import { diffAttributes, ruleFor, sameValue, withComputed } from "./attribute-diff.js";
import { detectDrift, type Drift } from "./drift.js";
import { markInterruptions } from "./interrupts.js";
import { applyMoves, asMove, withRenamedAttributes, type ServiceMove } from "./moves.js";
import { keepRunningReplicas, withIgnoredKept, withoutIgnored } from "./ignore-changes.js";
import { nameAndIndex } from "../core/address-parts.js";
import { PREVENT_DESTROY_LABEL } from "../core/lifecycle.js";
import { referencedAddresses, resolveReference } from "../core/references.js";
import { identifierPaths, normalizePaths, sensitivePaths } from "../core/secrets.js";

export interface PlanInput {
  project: string;
  berthVersion: string;
  templateHash: string;
  desired: readonly DesiredResource[];
  recorded: readonly RecordedResource[];
  stateLineage: string | null;
  stateSerial: number;
  observation: Observation;
  schemas: Partial<Record<ProviderName, ProviderSchema>>;
  /** --target: only these addresses (and what they depend on) are planned. */
  targets?: readonly Address[];
  /** --replace: these are replaced even if unchanged. */
  replace?: readonly Address[];
  /** true for `destroy`: nothing is desired. */
  destroy?: boolean;
  /** --allow-destroy: protected resources (berth.prevent_destroy, data-holding ones) these addresses may delete or replace. */
  allowDestroy?: readonly Address[];
  /** `destroy --volumes`: destroy deletes data-holding resources too. */
  destroyData?: boolean;
  /** --replace-foreign: objects not made by Berth that hold these addresses' names are removed and made again. */
  replaceForeign?: readonly Address[];
  warnings?: readonly Diagnostic[];
  /** x-berth-moved: services renamed in the template, planned as renames of what they run. */
  moved?: readonly ServiceMove[];
}

/**
 * (desired, recorded, observed) → Plan. Pure: no I/O, no clock, no randomness; equal inputs
 * give byte-identical plans.
 */
export function plan(input: PlanInput): Plan {
  const schemaOf = (provider: ProviderName | undefined, type: ResourceType): ResourceSchema | undefined =>
    provider === undefined ? undefined : input.schemas[provider]?.[type];
  const observedProviders = new Set(input.observation.observedProviders);
  const desiredList = input.destroy ? [] : input.desired;
  const moved = applyMoves(input.recorded, input.observation.resources, new Set(desiredList.map((d) => d.address)), input.moved ?? [], schemaOf);
  const scaled = keepRunningReplicas(desiredList, moved.recorded, moved.observed, observedProviders, schemaOf);
  const recorded = new Map(scaled.recorded.map((r) => [r.address, r]));
  const desired = new Map(scaled.desired.map((d) => [d.address, withRecordedReferences(d, recorded)]));
  const observed = new Map(scaled.observed.map((o) => [o.address, o]));
  const forced = new Set(input.replace ?? []);

  const drift: DriftEntry[] = [];
  const driftOf = new Map<Address, Drift>();
  for (const r of recorded.values()) {
    if (!observedProviders.has(r.provider)) continue;
    const o = observed.get(r.address);
    const schema = schemaOf(r.provider, r.type);
    const d = detectDrift(r, o && withoutIgnored(o, r.attributes, schema), schema);
    if (d) {
      driftOf.set(r.address, d);
      drift.push(d.entry);
    }
  }

  const addresses = new Set<Address>([...desired.keys(), ...recorded.keys()]);
  // Resources the engine runs under the project's labels that the state does not know.
  for (const o of observed.values()) if (!recorded.has(o.address)) addresses.add(o.address);

  const allowed = (address: Address) =>
    (input.destroy === true && input.destroyData === true) || (input.allowDestroy ?? []).some((a) => addressMatches(a, address));
  const changes: ResourceChange[] = [];
  const kept: KeptResource[] = [];
  const conflicts: Conflict[] = [];
  for (const address of [...addresses].sort(compareAddresses)) {
    const d = desired.get(address);
    const r = recorded.get(address);
    const o = observed.get(address);
    const schema = schemaOf((d ?? r ?? o)?.provider, (d ?? r ?? o)!.type);
    if (o?.foreign && !schema?.adoptsForeign) {
      // Never an orphan to delete: it is not ours. Only a name the plan needs makes it matter.
      if (!d) continue;
      if ((input.replaceForeign ?? []).some((a) => addressMatches(a, address))) {
        changes.push(change(d, ["delete", "create"], o.attributes, d.attributes, [], "foreign-replaced"));
      } else {
        conflicts.push(conflictOf(d, o));
        changes.push(change(d, ["create"], null, d.attributes, [], "new"));
      }
    } else if (d && r) changes.push(withReleases(planIgnoring(d, r, driftOf.get(address), schema, forced.has(address)), r));
    else if (d) changes.push(o ? planAdopt(d, o, schema) : change(d, ["create"], null, d.attributes, [], "new"));
    else if ((r || o) && schema?.holdsData && !allowed(address)) {
      kept.push(keptEntry(address, (r ?? o)!.type, input.destroy ?? false, r !== undefined));
    } else if (r) changes.push(planRemoved(r, desired, input.destroy ?? false));
    else if (o) changes.push(planOrphan(o));
  }

  resolveReferences(changes, desired, schemaOf);
  restartWithDependencies(changes);
  const targeted = input.targets?.length ? applyTargets(changes, input.targets) : changes;
  refuseProtectedDestruction(targeted, input.allowDestroy ?? [], (c) => schemaOf(c.provider, c.type));
  refuseDataLoss(targeted, (provider, type) => schemaOf(provider, type)?.holdsData === true, allowed);
  // A later pass may have rebuilt a moved change (a reference replacing it): it is still a move.
  const movedFrom = (c: ResourceChange) => {
    const from = recorded.get(c.address)?.movedFrom;
    return from === undefined || isNoOp(c) ? {} : { movedFrom: from };
  };
  const planned = markInterruptions(
    targeted.map((c) => ({ ...c, ...movedFrom(c), ...maskingPaths(schemaOf(c.provider, c.type), c.before, c.after) })),
    schemaOf,
  );
  const driftPlanned = drift.map((d) => ({ ...d, ...maskingPaths(schemaOf(d.provider, d.type), d.before, d.after) }));
  const changing = new Set(targeted.filter((c) => !isNoOp(c)).map((c) => c.address));

  return {
    ...planOrigin(input),
    changes: planned,
    drift: driftPlanned,
    gaps: [...input.observation.gaps],
    warnings: [...(input.warnings ?? [])],
    kept,
    // A conflict blocks apply only where the plan changes something: not beside a --target.
    conflicts: conflicts.filter((c) => changing.has(c.address)),
  };
}

/** What every plan says about what it was made from: the version, the project, the state and template it was made against. */
export function planOrigin(input: PlanInput): Pick<Plan, "formatVersion" | "berthVersion" | "project" | "stateLineage" | "stateSerial" | "templateHash"> {
  return {
    formatVersion: "1.0",
    berthVersion: input.berthVersion,
    project: input.project,
    stateLineage: input.stateLineage,
    stateSerial: input.stateSerial,
    templateHash: input.templateHash,
  };
}

function keptEntry(address: Address, type: ResourceType, destroying: boolean, recorded: boolean): KeptResource {
  const why = destroying
    ? "it holds data; `berth destroy --volumes` deletes it"
    : recorded
      ? `it left the template but holds data; --allow-destroy ${address} deletes it`
      : `it carries the project's label but is in neither the template nor the state, and holds data; --allow-destroy ${address} deletes it`;
  return { address, type, reason: why };
}

function conflictOf(d: DesiredResource, o: ObservedResource): Conflict {
  const name = typeof o.attributes.name === "string" ? o.attributes.name : d.name;
  return {
    address: d.address,
    type: d.type,
    name,
    madeBy: o.foreign!.madeBy,
    resolution:
      `take it over as it runs with \`berth import\` (\`berth import ${d.address} ${name}\` for it alone), stop and remove it yourself (docker compose down, docker rm), or let Berth remove it and make ${d.address} with --replace-foreign ${d.address}`,
  };
}

/**
 * Replacing a data-holding resource deletes its data as surely as destroying it: the plan is
 * refused unless the user names it, as Terraform refuses prevent_destroy.
 */
function refuseDataLoss(
  changes: readonly ResourceChange[],
  holdsData: (provider: ProviderName, type: ResourceType) => boolean,
  allowed: (address: Address) => boolean,
): void {
  const refused = changes.filter((c) => hasAction(c, "delete") && holdsData(c.provider, c.type) && !allowed(c.address));
  if (refused.length === 0) return;
  const first = refused[0];
  const why = first.replacePaths.length ? ` (${first.replacePaths.map((p) => p.join(".")).join(", ")} changed)` : "";
  throw new UserError(
    "E_DATA_LOSS",
    `the plan would delete ${refused.map((c) => c.address).join(", ")}${why}, which holds data; ` +
      `pass --allow-destroy ${first.address} if losing it is what you want`,
    { address: first.address },
  );
}

/**
 * ignore_changes: planned with the recorded values at the ignored paths. A replacement (for
 * something else) creates from the template as written, as Terraform's ignore_changes does.
 */
function planIgnoring(d: DesiredResource, r: RecordedResource, drift: Drift | undefined, schema: ResourceSchema | undefined, forced: boolean): ResourceChange {
  const attributes = withIgnoredKept(d.attributes, r.attributes, schema);
  if (attributes === d.attributes) return planKeptOrMoved(d, r, drift, schema, forced);
  const c = planKeptOrMoved({ ...d, attributes }, r, drift, schema, forced);
  return isReplace(c) ? planKeptOrMoved(d, r, drift, schema, forced) : c;
}

/** A record renamed since the last apply is planned with its new names; the change says where it moved from. */
function planKeptOrMoved(d: DesiredResource, r: RecordedResource, drift: Drift | undefined, schema: ResourceSchema | undefined, forced: boolean): ResourceChange {
  if (r.movedFrom === undefined || !schema?.rename) return planKept(d, r, drift, schema, forced);
  const c = planKept(d, { ...r, attributes: withRenamedAttributes(r.attributes, d.attributes, schema) }, drift, schema, forced);
  return asMove(c, r.attributes, r.movedFrom, schema);
}

function planKept(d: DesiredResource, r: RecordedResource, drift: Drift | undefined, schema: ResourceSchema | undefined, forced: boolean): ResourceChange {
  if (drift?.kind === "missing") return change(d, ["create"], null, d.attributes, [], "drift-missing");
  const after = withComputed(schema, d.attributes, r.attributes);
  if (drift?.kind === "changed" && !(schema?.driftUpdatesInPlace && drift.keys.every((k) => ruleFor(schema, k).update === "in-place"))) {
    return replacement(d, r.attributes, after, drift.keys.map((k) => [k]), "drift-changed", schema);
  }
  if (forced) return replacement(d, r.attributes, after, [], "forced-by-replace", schema);
  const diff = diffAttributes(schema, d.attributes, r.attributes);
  if (diff.replace.length > 0) return replacement(d, r.attributes, after, replacePathsOf(diff.replace, d.attributes, r.attributes), "attributes-changed", schema);
  // The record as the engine has it now, so the update shows what undoing the drift changes.
  if (drift?.kind === "changed") return change(d, ["update"], { ...r.attributes, ...drift.entry.after }, after, [], "drift-changed");
  if (drift?.kind === "stopped") {
    // The record as the engine has it (stopped), so the update shows what starting it changes.
    return change(d, ["update"], { ...r.attributes, ...drift.entry.after }, after, [], "drift-stopped");
  }
  if (diff.inPlace.length > 0) return change(d, ["update"], r.attributes, after, [], "attributes-changed");
  return change(d, ["no-op"], r.attributes, after, [], null);
}

/**
 * A map attribute names the entries that changed (["files", "app.sh"], ["environment", "A"]),
 * so every view can point at them; any other attribute is named whole.
 */
function replacePathsOf(keys: readonly string[], desired: Attributes, recorded: Attributes): string[][] {
  return keys.flatMap((key) => {
    const [a, b] = [desired[key], recorded[key]];
    if (!isMap(a) || !isMap(b)) return [[key]];
    const entries = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !sameValue(a[k], b[k])).sort();
    return entries.length > 0 ? entries.map((k) => [key, k]) : [[key]];
  });
}

function isMap(v: AttrValue | undefined): v is { [key: string]: AttrValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A referenced value the model leaves out is what the state holds for the resources it points
 * to (an upstream's endpoints are its replicas' recorded endpoints): compared like any other.
 */
export function withRecordedReferences(d: DesiredResource, recorded: ReadonlyMap<Address, RecordedResource>): DesiredResource {
  if (!d.references) return d;
  const attributes = { ...d.attributes };
  for (const [attribute, ref] of Object.entries(d.references)) {
    if (attribute in attributes) continue;
    const value = resolveReference(ref, (a) => recorded.get(a)?.attributes);
    if (value !== undefined) attributes[attribute] = value;
  }
  return { ...d, attributes };
}

/**
 * An attribute that refers to other resources' (a container's image_id to its image's, an
 * upstream's endpoints to its replicas') is known only after apply when one of them is created
 * or replaced, or updated when its schema says an update computes the value again (ports
 * assigned again on a start): it leaves `after` and is listed in knownAfterApply; a resource kept so far is updated,
 * or replaced when its schema says the attribute forces it.
 * Referenced resources are settled first, so a chain of references carries through.
 */
function resolveReferences(
  changes: ResourceChange[],
  desired: ReadonlyMap<Address, DesiredResource>,
  schemaOf: (provider: ProviderName, type: ResourceType) => ResourceSchema | undefined,
): void {
  const at = new Map(changes.map((c, i) => [c.address, i]));
  const settled = new Set<Address>();
  const settle = (address: Address): ResourceChange | undefined => {
    const i = at.get(address);
    if (i === undefined) return undefined;
    if (settled.has(address)) return changes[i];
    settled.add(address);
    const references = desired.get(address)?.references;
    let c = changes[i];
    for (const [attribute, ref] of Object.entries(references ?? {})) {
      const unknown = (Array.isArray(ref) ? ref : [ref]).some((r) => {
        const target = settle(r.address);
        if (!target) return false;
        if (hasAction(target, "create")) return true;
        return target.actions[0] === "update" && ruleFor(schemaOf(target.provider, target.type), r.attribute).recomputedOnUpdate === true;
      });
      if (!unknown || (c.actions.length === 1 && c.actions[0] === "delete")) continue;
      const schema = schemaOf(c.provider, c.type);
      if (c.actions.length === 1 && c.actions[0] === "create") {
        c = { ...c, after: without(c.after, attribute) };
      } else if (c.actions.length === 2) {
        const paths = c.replacePaths.some((p) => p[0] === attribute) ? c.replacePaths : [...c.replacePaths, [attribute]];
        c = { ...c, after: without(c.after, attribute), replacePaths: paths };
      } else if (ruleFor(schema, attribute).update === "replace") {
        const d = desired.get(address)!;
        const reason = c.reason === "drift-stopped" || c.reason === null ? "attributes-changed" : c.reason;
        c = replacement(d, c.before ?? {}, without(c.after, attribute) ?? {}, [[attribute]], reason, schema);
      } else {
        c = { ...c, actions: c.actions[0] === "no-op" ? ["update"] : c.actions, after: without(c.after, attribute), reason: c.reason ?? "attributes-changed" };
      }
      c = { ...c, knownAfterApply: [...(c.knownAfterApply ?? []), attribute] };
    }
    changes[i] = c;
    return c;
  };
  for (const c of [...changes]) settle(c.address);
}

function without(attrs: Attributes | null, key: string): Attributes | null {
  if (!attrs || !(key in attrs)) return attrs;
  const { [key]: _dropped, ...rest } = attrs;
  return rest;
}

function replacement(
  d: DesiredResource,
  before: Attributes,
  after: Attributes,
  replacePaths: string[][],
  reason: ChangeReason,
  schema: ResourceSchema | undefined,
): ResourceChange {
  // The replacement gets new computed values (ID, assigned ports): do not carry the old ones.
  const fresh: Attributes = {};
  for (const [k, v] of Object.entries(after)) if (ruleFor(schema, k).update !== "computed") fresh[k] = v;
  const actions: Actions = schema?.createBeforeDestroy?.(fresh) ? ["create", "delete"] : ["delete", "create"];
  return change(d, actions, before, fresh, replacePaths, reason);
}

/**
 * What the template wants already runs under the project's labels: keep it if its digests (the
 * schema's digest attributes, e.g. a container's config hash) match what the template asks.
 */
function planAdopt(d: DesiredResource, o: ObservedResource, schema: ResourceSchema | undefined): ResourceChange {
  const differing = digestKeys(schema).filter((k) => k in o.attributes && !sameValue(o.attributes[k], d.attributes[k]));
  if (differing.length === 0) return change(d, ["update"], o.attributes, withComputed(schema, d.attributes, o.attributes), [], "adopted");
  return change(d, ["delete", "create"], o.attributes, d.attributes, differing.map((k) => [k]), "adopted");
}

function digestKeys(schema: ResourceSchema | undefined): string[] {
  return Object.entries(schema?.attributes ?? {}).flatMap(([k, rule]) => (rule.digest ? [k] : []));
}

function planRemoved(r: RecordedResource, desired: ReadonlyMap<Address, DesiredResource>, destroying: boolean): ResourceChange {
  const base = r.address.replace(/\[\d+\]$/, "");
  const serviceStillWanted = !destroying && base !== r.address && [...desired.keys()].some((a) => addressMatches(base, a));
  return {
    address: r.address,
    type: r.type,
    provider: r.provider,
    ...nameAndIndex(r.address),
    service: serviceOf(r),
    actions: ["delete"],
    before: r.attributes,
    after: null,
    replacePaths: [],
    ...NO_PATHS,
    reason: serviceStillWanted ? "scaled-down" : "removed-from-template",
    // Deleted in reverse: whatever depended on it is deleted first (the executor reverses edges).
    dependsOn: r.dependsOn ?? [],
  };
}

function planOrphan(o: ObservedResource): ResourceChange {
  return {
    address: o.address,
    type: o.type,
    provider: o.provider,
    ...nameAndIndex(o.address),
    service: typeof o.attributes.service === "string" ? o.attributes.service : nameAndIndex(o.address).name,
    actions: ["delete"],
    before: o.attributes,
    after: null,
    replacePaths: [],
    ...NO_PATHS,
    reason: "orphan",
    dependsOn: [],
  };
}

function change(
  d: DesiredResource,
  actions: Actions,
  before: Attributes | null,
  after: Attributes | null,
  replacePaths: string[][],
  reason: ChangeReason | null,
): ResourceChange {
  return {
    address: d.address,
    type: d.type,
    provider: d.provider,
    name: d.name,
    index: d.index,
    service: d.service,
    actions,
    before,
    after,
    replacePaths,
    ...NO_PATHS,
    reason,
    dependsOn: [...d.dependsOn],
    ...(d.conditions ? { conditions: d.conditions } : {}),
    ...(d.references ? { references: d.references } : {}),
  };
}

/**
 * depends_on.restart: a resource left as it is (or updated in place) whose dependency is
 * replaced or updated gets an in-place update that restarts it, after the dependency. Repeated
 * until nothing moves, so a restart passes down a chain of such edges.
 */
function restartWithDependencies(changes: ResourceChange[]): void {
  const withRestartEdges = changes.filter((c) => c.conditions && Object.values(c.conditions).some((e) => e.restart));
  if (withRestartEdges.length === 0) return;
  const at = new Map(changes.map((c, i) => [c.address, i]));
  // Created (again), replaced or updated: the dependent restarts after it.
  const moves = (c: ResourceChange | undefined) => c !== undefined && (hasAction(c, "create") || c.actions[0] === "update");
  for (let moved = true; moved; ) {
    moved = false;
    for (const edgeOwner of withRestartEdges) {
      const i = at.get(edgeOwner.address)!;
      const c = changes[i];
      if (c.reason === "dependency-changed" || !(isNoOp(c) || (c.actions[0] === "update" && c.reason === "attributes-changed"))) continue;
      const by = Object.entries(c.conditions ?? {})
        .filter(([address, edge]) => edge.restart && moves(changes[at.get(address) ?? -1]))
        .map(([address]) => address)
        .sort(compareAddresses);
      if (by.length === 0) continue;
      changes[i] = { ...c, actions: ["update"], reason: "dependency-changed", restartedBy: by };
      moved = true;
    }
  }
}

/** Filled in once every change is decided (maskingPaths). */
const NO_PATHS = { sensitivePaths: [], identifierPaths: [] };

/** Which paths of a change are secret and which are names: what every output masks (src/core/mask.ts). */
function maskingPaths(schema: ResourceSchema | undefined, before: Attributes | null, after: Attributes | null) {
  return {
    sensitivePaths: normalizePaths([...sensitivePaths(before, schema), ...sensitivePaths(after, schema)]),
    identifierPaths: identifierPaths(schema),
  };
}


/**
 * What the resource depended on when it was applied and no longer does (an upstream that stops
 * listing a replica): that dependency is deleted only after this change, as Terraform orders an
 * update of a dependent before the destruction of what it used.
 */
function withReleases(c: ResourceChange, r: RecordedResource): ResourceChange {
  if (c.after === null) return c;
  const releases = (r.dependsOn ?? []).filter((a) => !c.dependsOn.includes(a));
  return releases.length > 0 ? { ...c, releases } : c;
}

function serviceOf(r: RecordedResource): string | null {
  if (r.service !== undefined) return r.service;
  // States written before the service was kept: a replica's address names it; anything else is shared.
  const s = r.attributes.service;
  if (typeof s === "string") return s;
  return nameAndIndex(r.address).index !== null ? nameAndIndex(r.address).name : null;
}

/**
 * Terraform's lifecycle.prevent_destroy (the schema says what protects a resource): a plan that would delete or replace a
 * protected resource is an error, unless the user names it with --allow-destroy.
 */
function refuseProtectedDestruction(
  changes: readonly ResourceChange[],
  allowed: readonly Address[],
  schemaOf: (c: ResourceChange) => ResourceSchema | undefined,
): void {
  const refused = changes.filter(
    (c) => hasAction(c, "delete") && isProtected(c, schemaOf(c)) && !allowed.some((a) => addressMatches(a, c.address)),
  );
  if (refused.length === 0) return;
  const list = refused.map((c) => c.address).join(", ");
  throw new UserError(
    "E_PREVENT_DESTROY",
    `the plan would delete or replace ${list}, protected by the label ${PREVENT_DESTROY_LABEL}: "true"; ` +
      `pass --allow-destroy ${refused[0].address} if that is what you want`,
    { address: refused[0].address },
  );
}

function isProtected(c: ResourceChange, schema: ResourceSchema | undefined): boolean {
  const protects = schema?.protectedFromDestroy;
  return protects !== undefined && [c.before, c.after].some((a) => a !== null && protects(a));
}

/**
 * --target keeps the named resources and everything they depend on (Terraform's rule);
 * the rest stays as it is this time, shown as no change.
 */
function applyTargets(changes: ResourceChange[], targets: readonly Address[]): ResourceChange[] {
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  const keep = new Set<Address>();
  const visit = (address: Address) => {
    if (keep.has(address)) return;
    keep.add(address);
    for (const dep of byAddress.get(address)?.dependsOn ?? []) visit(dep);
  };
  for (const c of changes) if (targets.some((t) => addressMatches(t, c.address))) visit(c.address);
  // What refers to a targeted change's values only after apply (an upstream's endpoints of a replaced
  // replica) comes along: left out, it would point at what the change removes.
  for (const c of changes) {
    if (!c.knownAfterApply?.length || keep.has(c.address)) continue;
    const refs = c.knownAfterApply.flatMap((attribute) => referencedAddresses(c.references ? { [attribute]: c.references[attribute] } : undefined));
    // Only itself: its other references stay as recorded, and the executor reads them from the state.
    if (refs.some((a) => keep.has(a))) keep.add(c.address);
  }
  return changes.map((c) => (keep.has(c.address) ? c : { ...c, actions: ["no-op"], after: c.before, reason: null }));
}
