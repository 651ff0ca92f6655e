/** "network.default", "container.web[2]", "route.tomcat-sample.localhost", "upstream.x", "discovery.p_web" */
export type Address = string;

/**
 * Resource types and provider names are the providers' words ("container", "route", "docker"):
 * open strings, so a new provider brings its own types and the core never lists them.
 */
export type ResourceType = string;
export type ProviderName = string;

/** JSON-compatible attribute values only: attributes are written to state and plan files. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = { [key: string]: AttrValue };

/** What the template wants: produced by src/model from a Template. */
export interface DesiredResource {
  address: Address;
  type: ResourceType;
  provider: ProviderName;
  /** The service name for containers and discovery records; the virtual host or upstream name otherwise. */
  name: string;
  /** Replica index for containers (0-based); null otherwise. */
  index: number | null;
  /** Service this resource belongs to (for grouping in views); null for shared resources. */
  service: string | null;
  attributes: Attributes;
  /** Resources that must exist before this one (links, depends_on, aliyun.depends, network). */
  dependsOn: Address[];
  /** What some of those dependencies must reach first, and whether their changes restart this one. */
  conditions?: Record<Address, DependencyCondition>;
  /**
   * Attributes whose value is other resources' attributes (a container's image_id is its built
   * image's; an upstream's endpoints are its replicas'). A list of references makes a list of
   * their values. Filled from the state when planning; when a referenced resource is created or
   * replaced (or updated, for a value its provider computes), the value is known only after
   * apply: the plan says so, and the executor fills it in when the resource it points to is applied.
   */
  references?: Record<string, AttributeReference | AttributeReference[]>;
}

export interface AttributeReference {
  address: Address;
  attribute: string;
  /** One entry of a map attribute (an endpoints map's "8080/tcp"). */
  key?: string;
}

/**
 * An edge of the dependency graph with more to it than "exists first". The core never reads
 * `condition`: the provider that creates the dependent waits for it. `restart` is generic: the
 * planner updates the dependent in place whenever the dependency is replaced or updated.
 */
export interface DependencyCondition {
  /** Provider-defined, e.g. "service_started", "service_healthy", "service_completed_successfully". */
  condition: string;
  /** false: a dependency that is missing or not running is no error. */
  required: boolean;
  restart: boolean;
}

/** What the last apply recorded, as kept in the state file. */
export interface RecordedResource {
  address: Address;
  type: ResourceType;
  provider: ProviderName;
  /** The service it belongs to (null: shared, like a network); absent in states written before it was kept. */
  service?: string | null;
  attributes: Attributes;
  dependsOn?: Address[];
}

/**
 * What a provider sees really running. `attributes` use the same keys as the recorded
 * attributes so the planner can compare them; keys a provider cannot observe are left out.
 */
export interface ObservedResource {
  address: Address;
  type: ResourceType;
  attributes: Attributes;
  /** The provider that observed it, so an orphan's owner is known, not guessed. */
  provider: ProviderName;
  /**
   * Set when the object holds a name this project needs but was not made by Berth for it
   * (docker compose, a hand-run command, another tool): what made it, in words.
   */
  foreign?: { madeBy: string };
}

/** What a provider's refresh reports: the workspace stamps the provider on each. */
export type Observed = Omit<ObservedResource, "provider">;

/** A provider that could not observe (engine down) says so, and the plan shows why. */
export interface ObservationGap {
  provider: ProviderName;
  reason: string;
}

export interface Observation {
  resources: ObservedResource[];
  gaps: ObservationGap[];
  /** Providers that were asked; a resource of an observed provider missing from `resources` is gone. */
  observedProviders: ProviderName[];
}
