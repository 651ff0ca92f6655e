import { agentStatuses, ensureAgent, stopAgent } from "./agent-supervisor.js";
import { hostname } from "node:os";
import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import type { ResourceChange } from "../../src/core/plan.js";
import type { ApplyContext, Provider, ProviderSchema, RefreshContext } from "../../src/core/provider.js";
import type { Attributes, Observed, RecordedResource } from "../../src/core/types.js";
import { canonicalJson } from "../../src/core/hash.js";
import { discoveryAddress } from "../../src/model/addresses.js";
import { maskResources } from "../../src/core/mask.js";
import { connectDocker, engineStatus } from "../../src/clients/docker.js";
import { entryFromInspect, entryFromRecorded } from "./container-entries.js";
import { EtcdConnection, readPrefix, type EtcdTls } from "../../src/clients/etcd.js";
import {
  SERVICES_ROOT,
  containerKey,
  containersPrefix,
  parseKey,
  parseServiceRecord,
  serializeRecord,
  serviceId,
  serviceKey,
  type ContainerEntry,
  type ServiceRecord,
} from "./records.js";

export interface DiscoveryProviderOptions {
  endpoints: string[];
  project: string;
  /** undefined: BERTH_ETCD_CA / BERTH_ETCD_CERT / BERTH_ETCD_KEY; null: plain. */
  tls?: EtcdTls | null;
  /** Engine asked for the containers' network address and health after apply (default: DOCKER_HOST or the local socket). */
  docker?: Docker;
  /** The machine's name in container entries (default: os.hostname()). */
  node?: string;
}

/** Every attribute of a record is rewritten in place: a record has nothing to replace. */
export const discoverySchema: ProviderSchema = {
  discovery: {
    attributes: {
      // Names, never masked (a secret equal to one is warned about instead).
      // The key the record is stored under: this provider's layout (records.ts), filled in by apply.
      path: { update: "computed", identifier: true },
      name: { update: "in-place", identifier: true },
      project: { update: "in-place", identifier: true },
      definition: { update: "in-place", identifier: ["image", "links", "volumes", "ports"] },
      extensions: { update: "in-place", identifier: true },
    },
    defaultRule: { update: "in-place" },
  },
  // The project's `berth agent` (agent-supervisor.ts): started, restarted when found dead, stopped.
  agent: {
    attributes: {
      project: { update: "in-place", identifier: true },
      endpoints: { update: "in-place", identifier: true },
      running: { update: "in-place", liveness: true },
      pid: { update: "computed" },
      log: { update: "computed", identifier: true },
    },
    defaultRule: { update: "in-place" },
  },
};

/**
 * `discovery.<project>_<service>`: the service's record in etcd, in the shape of the article's
 * `/services/{serviceId}` API. The record holds the definition with secrets masked; the
 * state keeps the template's values, and refresh reports the recorded definition while the
 * stored one is its masked form, so only a real edit in etcd shows as drift.
 *
 * After an apply the containers of every recorded service are written as a snapshot without
 * a lease (the CLI exits; a lease would drop them a few seconds later). A running
 * `berth agent` keeps them current under its own lease, and apply leaves the entries an
 * agent holds alone.
 */
export class DiscoveryProvider implements Provider {
  readonly name = "discovery" as const;
  readonly schema = discoverySchema;
  private readonly etcd: EtcdConnection;
  private readonly project: string;
  private readonly node: string;
  private docker: Docker | undefined;

  constructor(opts: DiscoveryProviderOptions) {
    this.etcd = new EtcdConnection({ endpoints: opts.endpoints, tls: opts.tls });
    this.project = opts.project;
    this.node = opts.node ?? hostname();
    this.docker = opts.docker;
  }

  /** The project's service records, one prefix read. A deleted or edited record is drift. */
  async refresh(ctx: RefreshContext): Promise<Observed[]> {
    const { kvs } = await readPrefix(this.etcd, `${SERVICES_ROOT}${ctx.project}_`, "reading the project's service records");
    const recordedByAddress = new Map(ctx.recorded.map((r) => [r.address, r]));
    const observed: Observed[] = [];
    for (const kv of kvs) {
      const parsed = parseKey(kv.key);
      if (parsed?.kind !== "service") continue;
      const record = parseServiceRecord(kv.value);
      // Another project whose name starts with this one's ("shop" and "shop_x") shares the prefix.
      if (record && record.Service.project !== ctx.project) continue;
      const service = record?.Service.name ?? parsed.id.slice(ctx.project.length + 1);
      const address = discoveryAddress(ctx.project, service);
      observed.push({ address, type: "discovery", attributes: observedAttributes(kv.key, record, recordedByAddress.get(address)) });
    }
    const agent = agentStatuses().find((a) => a.project === ctx.project);
    if (agent) observed.push({ address: `agent.${ctx.project}`, type: "agent", attributes: { running: agent.running, pid: agent.pid } });
    return observed;
  }

  async apply(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    if (change.type === "agent") return this.applyAgent(change, ctx);
    if (change.type !== "discovery") {
      throw new UserError("E_PROVIDER", `the discovery provider does not manage ${change.type} resources`, { address: change.address });
    }
    const before = change.before ? recordPath(change.before, change.address) : null;
    const after = change.after ? recordPath({ path: serviceKey(serviceId(this.project, String(change.after.name))) }, change.address) : null;
    if (before !== null && before !== after) await this.deleteRecord(before);
    if (after === null || change.after === null) return null;
    const record = serviceRecordOf(change.after);
    await this.etcd.run(`writing ${after}`, (c) => c.put(after).value(serializeRecord(record)).exec());
    return { ...change.after, path: after };
  }

  /**
   * Writes the container entries of every recorded service from the recorded containers
   * (enriched by the engine when it answers) and removes entries of containers no longer
   * recorded. Entries under a lease belong to a running agent and are left to it.
   */
  async afterApply(recorded: readonly RecordedResource[], ctx: ApplyContext): Promise<void> {
    const services = recorded.filter((r) => r.type === "discovery" && r.attributes.project === this.project);
    if (services.length === 0) return;
    const containers = recorded.filter((r) => r.type === "container" && typeof r.attributes.container_id === "string");
    const entries = await this.describe(containers);
    for (const svc of services) {
      const name = String(svc.attributes.name);
      const id = serviceId(this.project, name);
      const wanted = new Map<string, ContainerEntry>();
      for (const c of containers) {
        if (c.attributes.service === name) wanted.set(String(c.attributes.container_id), entries.get(String(c.attributes.container_id))!);
      }
      const { kvs } = await readPrefix(this.etcd, containersPrefix(id), `reading ${id}'s containers`);
      const leased = new Set(kvs.filter((kv) => kv.lease !== "0").map((kv) => kv.key));
      const stale = kvs.filter((kv) => !wanted.has(kv.key.slice(containersPrefix(id).length)));
      const writes = [
        ...stale.map((kv) => this.etcd.run(`deleting ${kv.key}`, (c) => c.delete().key(kv.key).exec())),
        ...[...wanted]
          .filter(([containerId]) => !leased.has(containerKey(id, containerId)))
          .map(([containerId, entry]) => {
            const key = containerKey(id, containerId);
            // Compare-and-put: an agent that leased the key meanwhile wins.
            return this.etcd.run(`writing ${key}`, (c) => c.if(key, "Lease", "==", 0).then(c.put(key).value(serializeRecord(entry))).commit());
          }),
      ];
      await Promise.all(writes);
      if (wanted.size > 0 || stale.length > 0) ctx.log(`${id}: ${wanted.size} container entr${wanted.size === 1 ? "y" : "ies"} written`);
    }

  }

  /**
   * Without an agent nothing follows the containers between applies (a stopped replica would stay
   * listed as running): apply keeps one running for the project, as it keeps the router.
   */
  private async applyAgent(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    if (change.after === null) {
      if (await stopAgent(this.project)) ctx.log(`agent for ${this.project} stopped`);
      return null;
    }
    const endpoints = Array.isArray(change.after.endpoints) ? change.after.endpoints.map(String) : [];
    const { agent, started } = await ensureAgent({ project: this.project, endpoints });
    if (started) ctx.log(`agent for ${this.project} started (pid ${agent.pid}, log ${agent.log})`);
    return { ...change.after, running: true, pid: agent.pid, log: agent.log };
  }

  async close(): Promise<void> {
    await this.etcd.close();
  }

  private async deleteRecord(key: string): Promise<void> {
    const id = key.slice(SERVICES_ROOT.length);
    // One transaction, whichever branch runs: the record and its containers go together.
    await this.etcd.run(`deleting ${key}`, (c) =>
      c
        .if(key, "Version", ">", 0)
        .then(c.delete().key(key), c.delete().prefix(containersPrefix(id)))
        .else(c.delete().prefix(containersPrefix(id)))
        .commit(),
    );
  }

  /** One entry per recorded container: from the engine when it answers, else from the record. */
  private async describe(containers: readonly RecordedResource[]): Promise<Map<string, ContainerEntry>> {
    const out = new Map<string, ContainerEntry>();
    this.docker ??= connectDocker();
    const docker = this.docker;
    await Promise.all(
      containers.map(async (c) => {
        const id = String(c.attributes.container_id);
        try {
          out.set(id, entryFromInspect(await docker.getContainer(id).inspect(), this.node));
        } catch (e) {
          // 404: removed meanwhile, the agent will tell; other failures: the engine is away.
          if (engineStatus(e) !== undefined && engineStatus(e) !== 404) throw e;
          out.set(id, entryFromRecorded(c.attributes, this.node));
        }
      }),
    );
    return out;
  }
}

function recordPath(attrs: Attributes, address: string): string {
  const path = attrs.path;
  const parsed = typeof path === "string" ? parseKey(path) : null;
  if (typeof path !== "string" || parsed?.kind !== "service") {
    throw new UserError("E_DISCOVERY", `record path ${JSON.stringify(path)} is not under ${SERVICES_ROOT}`, { address });
  }
  return path;
}

/** The stored record: the article's `Service` part, secrets masked as in every output. */
export function serviceRecordOf(attrs: Attributes): ServiceRecord {
  return {
    Service: {
      name: String(attrs.name),
      project: String(attrs.project),
      definition: maskedDefinition(attrs),
      extensions: (attrs.extensions ?? {}) as Attributes,
    },
  };
}

function maskedDefinition(attrs: Attributes): Attributes {
  const [masked] = maskResources([{ address: "", attributes: attrs }], () => discoverySchema.discovery);
  return (masked.attributes.definition ?? {}) as Attributes;
}

/**
 * What refresh reports: the stored record, with the recorded (unmasked) definition in place of
 * the stored one when the stored one is exactly its masked form.
 */
function observedAttributes(path: string, record: ServiceRecord | null, recorded: RecordedResource | undefined): Attributes {
  if (!record) return { path, definition: null, extensions: null };
  const recordedDefinition = recorded?.attributes.definition as Attributes | undefined;
  const definition =
    recorded && recordedDefinition && canonicalJson(maskedDefinition(recorded.attributes)) === canonicalJson(record.Service.definition)
      ? recordedDefinition
      : record.Service.definition;
  return { path, name: record.Service.name, project: record.Service.project, definition, extensions: record.Service.extensions };
}
