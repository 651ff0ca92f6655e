import type { Attributes, DesiredResource, Observed, ProviderName, RecordedResource, ResourceType } from "./types.js";
import type { ResourceChange } from "./plan.js";
import type { ImportCandidate } from "./import.js";
import type { Template } from "../template/types.js";

/** How a change to one attribute is carried out. */
export type UpdateRule =
  /** Applied to the running resource without replacing it. */
  | "in-place"
  /** Needs a new resource. */
  | "replace"
  /** Filled in by the provider (an ID, an assigned port): never a reason for a change. */
  | "computed";

export interface AttributeRule {
  update: UpdateRule;
  sensitive?: boolean;
  /**
   * The value names something (a container, an image, a network, a path): masking never
   * rewrites it. true for the whole attribute; a list of keys for those entries of a map.
   */
  identifier?: true | readonly string[];
  /**
   * A computed value an in-place update may change (ports the engine assigns again when a
   * container starts): what refers to it is known only after such an update.
   */
  recomputedOnUpdate?: boolean;
  /** A digest of other attributes: shown, but never named as a reason beside real ones. */
  digest?: boolean;
  /** Resolved by the provider before planning; null in desired means "not known until apply", not a change. */
  resolvedAtPlan?: boolean;
  /**
   * The resource's liveness (a container's `running`): false means stopped, which is a milder
   * drift than a change, since setting it back in place fixes it.
   */
  liveness?: boolean;
  /**
   * An in-place attribute the provider can change but not take away (the engine lowers or
   * raises a memory limit on a running container, but cannot lift it): unsetting it replaces.
   */
  replaceWhenUnset?: boolean;
}

export interface ResourceSchema {
  attributes: Record<string, AttributeRule>;
  /** Unlisted attributes follow this rule. */
  defaultRule: AttributeRule;
  /**
   * Replace by creating the new resource before deleting the old ("create","delete"),
   * when the resource allows it (routed replicas with no fixed host port).
   */
  createBeforeDestroy?: (after: Attributes) => boolean;
  /**
   * The resource holds data deleting it loses (a volume): it is kept by destroy and when it
   * leaves the template, and never replaced, unless the user names it.
   */
  holdsData?: boolean;
  /**
   * A foreign object holding the name (made by docker compose) is taken over as it is, since
   * adopting it changes and removes nothing; otherwise it is a conflict the user resolves.
   */
  adoptsForeign?: boolean;
  /**
   * How traffic meets this resource, so a plan can say which changes interrupt service
   * (src/planner/interrupts.ts). Absent: no traffic passes through it (an image, a volume, a record).
   * - "replica": it answers its service's traffic beside the service's other replicas; taking
   *   it down interrupts only when no other replica keeps serving meanwhile.
   * - "entry": clients reach the application through it (a routed virtual host); deleting it,
   *   or replacing it destroy-first, interrupts.
   * - "path": traffic between resources crosses it (a network); replacing it destroy-first
   *   interrupts. Deleting it does not by itself: whatever used it changes too.
   */
  traffic?: "replica" | "entry" | "path";
  /**
   * A replica reachable at an address no other replica shares (a fixed host port): its words
   * ("127.0.0.1:8080"), or null. Taking such a replica down interrupts, whatever its siblings do.
   */
  ownAddress?: (attributes: Attributes) => string | null;
  /**
   * How many replacements of one service may be under way at once (a rolling update), or null
   * when the resource does not roll: replacements then run as the parallelism allows.
   */
  rolloutParallelism?: (after: Attributes) => number | null;
  /** The user protected it (Terraform's prevent_destroy; Berth's label): deleting or replacing it needs --allow-destroy. */
  protectedFromDestroy?: (attributes: Attributes) => boolean;
  /**
   * A change made outside Berth to attributes this schema updates in place is undone by an update,
   * not a replacement (a swarm service scaled by hand is scaled back: the engine converges it).
   */
  driftUpdatesInPlace?: boolean;
  /**
   * Attribute paths the user asked Berth to leave as they are (Terraform's ignore_changes):
   * ["environment", "FEATURE_X"] is neither planned nor drift; ["scale"] keeps the number of
   * replicas of the service that runs (src/planner/ignore-changes.ts).
   */
  ignoredChanges?: (attributes: Attributes) => string[][];
  /**
   * The provider renames the resource in place when its service is renamed (a change with
   * `movedFrom`): these attributes, which follow from the name, change with the rename rather
   * than forcing a replacement. Without it, a renamed resource is destroyed and created again.
   */
  rename?: {
    attributes: readonly string[];
    /** Of those, the ones the provider changes by reconnecting the resource: traffic to it stops for a moment. */
    reconnects?: readonly string[];
  };
}

export type ProviderSchema = Partial<Record<ResourceType, ResourceSchema>>;

export interface RefreshContext {
  project: string;
  /** Recorded resources of this provider: what it may need to look up. */
  recorded: RecordedResource[];
  /** Desired resources of this provider (e.g. image tags to resolve). */
  desired: DesiredResource[];
}

export interface ImportContext {
  project: string;
  /** Desired resources of this provider, resolved (image IDs filled in). */
  desired: DesiredResource[];
  /** Recorded resources of this provider: already Berth's, never candidates. */
  recorded: RecordedResource[];
  /** `berth import ADDR REF`: only these, REF being the engine's name or ID. */
  named: { address: string; ref: string }[];
}

export interface KeepContext {
  project: string;
  /** The state serial the applied configuration is recorded under. */
  serial: number;
  /** This provider's desired resources, as applied. */
  desired: DesiredResource[];
  /** Everything recorded after the apply. */
  recorded: readonly RecordedResource[];
}

export interface ApplyContext {
  project: string;
  /** For log lines the provider wants shown beside the step. */
  log(message: string): void;
  /** True once the user asked to stop (Ctrl-C): long waits should give up. */
  readonly aborted: boolean;
  /** Recorded attributes of a resource this change depends on (a dependency's container ID, to wait for its health). */
  recordedAttributes(address: string): Attributes | undefined;
  /** Everything recorded so far in this apply (state as it will be written). */
  recorded(): readonly RecordedResource[];
}

/**
 * Create-before-destroy in two steps, so that what refers to the resource (the router's
 * upstream) moves to the new one between them: an ordering in the plan's graph, not a callback.
 */
export interface ReplaceInSteps {
  /** Whether this change is done in steps (a routed replica is; an image is not). */
  appliesTo(change: ResourceChange): boolean;
  /** Makes the new object beside the old one and waits until it is ready; returns its attributes (recorded at once). */
  create(change: ResourceChange, ctx: ApplyContext): Promise<Attributes>;
  /** Once every change referring to it has moved over: removes the old object; returns the new one's final attributes. */
  destroyDeposed(change: ResourceChange, created: Attributes, ctx: ApplyContext): Promise<Attributes>;
  /** A change referring to it failed: removes the new object again; the old one stays, as recorded before. */
  abandon(change: ResourceChange, created: Attributes, ctx: ApplyContext): Promise<void>;
}

export interface Provider {
  readonly name: ProviderName;
  readonly schema: ProviderSchema;
  /** Observe what really runs. Throws UserError when the engine does not answer. */
  refresh(ctx: RefreshContext): Promise<Observed[]>;
  /**
   * Carry out one change. Returns the attributes to record (desired + computed ones),
   * or null when the resource is gone (delete).
   */
  apply(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null>;
  /**
   * Fill attributes only an engine can tell before planning (an image tag's current ID),
   * so a rebuilt tag plans as a replacement. Called once per plan with this provider's resources.
   */
  resolveDesired?(desired: DesiredResource[]): Promise<DesiredResource[]>;
  /** resolveDesired needs no engine (it reads local files only), so it runs even with --no-refresh. */
  readonly resolvesOffline?: boolean;
  /**
   * Fill what local files alone tell (a build context's digests), so a changed file plans a
   * rebuild even with --no-refresh or with the engine down. Runs on every plan, before resolveDesired.
   */
  resolveLocal?(desired: DesiredResource[]): Promise<DesiredResource[]>;
  /**
   * A resource recorded by an older Berth, brought up to the attributes this provider records now
   * (Terraform's state upgrade): pure, from the record alone. What refers to a value the old
   * record lacks (a container's endpoints) would otherwise see nothing.
   */
  upgradeRecorded?(resource: RecordedResource): RecordedResource;
  /** Create-before-destroy replacements carried out in two steps (see ReplaceInSteps). */
  readonly replaceInSteps?: ReplaceInSteps;
  /**
   * Called once after an apply with everything now recorded. Only the discovery provider's
   * container entries still use it (they follow the engine, not the plan; see issue 14's agent).
   */
  afterApply?(recorded: readonly RecordedResource[], ctx: ApplyContext): Promise<void>;
  /**
   * `berth import`: what already runs that this provider can take over, matched to the
   * template's addresses (all of the project's when `named` is empty, else those named).
   */
  importable?(ctx: ImportContext): Promise<ImportCandidate[]>;
  /** Takes one over without recreating it (a rename at most); returns the attributes to record. */
  adopt?(candidate: ImportCandidate, record: Attributes): Promise<Attributes>;
  /**
   * The provider reads the template itself (an engine that runs services, not containers): what
   * it returns replaces the one-engine model of src/model. At most one configured provider has it.
   */
  modelTemplate?(template: Template, opts: TemplateModelOptions): TemplateModel;
  /**
   * The ports each image EXPOSEs, as the engine that runs them knows: the model needs them for
   * the link variables of services that expose none. An engine provider answers; others leave it out.
   */
  imageExposedPorts?(images: readonly string[]): Promise<Record<string, number[]>>;
  /**
   * After a successful apply: this provider's desired resources pinned to what they ran (a
   * container to the image ID it runs, kept from pruning), recorded for `berth rollback`.
   */
  keepForRollback?(ctx: KeepContext): Promise<DesiredResource[]>;
  /** Lets go of what was kept for configurations the history no longer holds. */
  releaseKept?(project: string, keptSerials: readonly number[]): Promise<void>;
  /** Release connections so the process can exit. */
  close?(): Promise<void>;
}

export interface TemplateModelOptions {
  project: string;
  /** The environment the template was interpolated with: secrets taken from it are masked. */
  env: Readonly<Record<string, string | undefined>>;
}

export interface TemplateModel {
  resources: DesiredResource[];
  /** Codes of the loader's warnings this model makes moot (deploy.update_config "has no effect on one engine"). */
  mootWarnings?: string[];
}
