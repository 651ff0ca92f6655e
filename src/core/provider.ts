import type { Attributes, DesiredResource, Observed, ProviderName, RecordedResource, ResourceType } from "./types.js";
import type { ResourceChange } from "./plan.js";
import type { ImportCandidate } from "./import.js";

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
  /** The user protected it (Terraform's prevent_destroy; Berth's label): deleting or replacing it needs --allow-destroy. */
  protectedFromDestroy?: (attributes: Attributes) => boolean;
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
  /** Recorded attributes of other resources (e.g. the routing provider needs the replicas' ports). */
  recordedAttributes(address: string): Attributes | undefined;
  /** Everything recorded so far in this apply (state as it will be written). */
  recorded(): readonly RecordedResource[];
  /**
   * Create-before-destroy of a routed replica: called once the new replica is ready and
   * before the old one stops, so the router can move traffic to `next` without a gap.
   */
  replicaReplaced?(address: string, next: Attributes): Promise<void>;
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
   * Called once after an apply with everything now recorded, so a provider whose output
   * depends on other providers' computed values (the router's upstreams on published ports)
   * can bring it up to date.
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
