import { endpointsOf } from "./endpoints.js";
import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import { hasAction, type ResourceChange } from "../../src/core/plan.js";
import type { ApplyContext, ImportContext, KeepContext, Provider, RefreshContext, ReplaceInSteps } from "../../src/core/provider.js";
import type { ImportCandidate } from "../../src/core/import.js";
import type { Attributes, DesiredResource, Observed, RecordedResource } from "../../src/core/types.js";
import type { ContainerAttributes, NetworkAttachmentAttr, NetworkAttributes, PortAttr } from "./attributes.js";
import { applyImage, digestBuildContexts, observeImages } from "./image-resource.js";
import { LABEL_CONFIG_HASH, LABEL_INDEX, LABEL_PROJECT, LABEL_SERVICE } from "./attributes.js";
import { connectDocker, ignoreStatus, withEngine } from "../../src/clients/docker.js";
import { LABEL_TEMPORARY, TEMPORARY_SUFFIX, containerUpdate, healthcheckMode, networkEndpoints, publishedPorts, stopTimeoutOf } from "./container-spec.js";
import { createAndStart, removeContainer, stopAndRemove } from "./containers.js";
import { ensureImage, indexImages, lookupImageId } from "./images.js";
import { waitForDependencies } from "./dependencies.js";
import { readyTimeoutMs, waitUntilReady } from "./readiness.js";
import { dockerSchema } from "./schema.js";
import { madeBy } from "./foreign.js";
import { checkExternalResources } from "./external.js";
import { applyNetwork, observeNetworks } from "./networks.js";
import { applyVolume, observeVolumes } from "./volumes.js";
import { adoptObject, findImportable } from "./import.js";
import { KEPT_IMAGE, keepImages, releaseKeptImages, resolvePinned } from "./keep.js";

export interface DockerProviderOptions {
  docker?: Docker;
  /** Seconds a container gets to stop before the engine kills it. */
  stopTimeoutSeconds?: number;
  /** Seconds a create-before-destroy replacement gets to become ready. */
  readyTimeoutSeconds?: number;
}

/** Containers and the project network, on one Docker engine. */
export class DockerProvider implements Provider {
  readonly name = "docker" as const;
  readonly schema = dockerSchema;
  private readonly docker: Docker;
  private readonly stopTimeoutSeconds: number;
  private readonly readyTimeoutSeconds: number;
  private apiVersion: Promise<string> | undefined;

  constructor(opts: DockerProviderOptions = {}) {
    this.docker = opts.docker ?? connectDocker();
    this.stopTimeoutSeconds = opts.stopTimeoutSeconds ?? 10;
    this.readyTimeoutSeconds = opts.readyTimeoutSeconds ?? 60;
  }

  // ------------------------------------------------------------------ observe

  /**
   * One label-filtered list of containers, one list of what holds the names the template
   * needs (docker compose's containers, made by hand), the project network and its volumes.
   */
  async refresh(ctx: RefreshContext): Promise<Observed[]> {
    return withEngine(this.docker, async () => {
      const wantedContainers = new Map(ctx.desired.filter((d) => d.type === "container").map((d) => [String(d.attributes.name), d.address]));
      const [containers, holdingNames, networks, volumes, images] = await Promise.all([
        this.docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${ctx.project}`] } }),
        listHoldingNames(this.docker, [...wantedContainers.keys()]),
        observeNetworks(this.docker, ctx.project, ctx.desired, ctx.recorded),
        observeVolumes(this.docker, ctx.project, ctx.desired),
        observeImages(this.docker, ctx.recorded),
      ]);
      const leftovers = containers.filter(isLeftoverTemporary);
      await Promise.all(leftovers.map((c) => removeContainer(this.docker, c.Id)));
      const oneShots = new Set(ctx.recorded.filter((r) => r.attributes.one_shot === true).map((r) => r.address));
      const byId = new Map(ctx.recorded.filter((r) => r.type === "container").map((r) => [String(r.attributes.container_id), r]));
      const observed = containers.filter((c) => !isLeftoverTemporary(c)).flatMap((c) => observeContainer(c, oneShots, byId.get(c.Id)));
      const imported = await listImported(this.docker, ctx.recorded, containers);
      observed.push(...imported.observed);
      observed.push(...foreignContainers(holdingNames.filter((c) => !imported.ids.has(c.Id)), wantedContainers, ctx.project));
      observed.push(...networks);
      observed.push(...volumes);
      observed.push(...images);
      return observed;
    });
  }

  /** Fill each container's image_id from one image list: a rebuilt tag then plans as a replacement. */
  async resolveDesired(desired: DesiredResource[]): Promise<DesiredResource[]> {
    await withEngine(this.docker, () => checkExternalResources(this.docker, desired));
    if (!desired.some((r) => r.type === "container")) return desired.map((r) => ({ ...r }));
    const byRef = await withEngine(this.docker, async () => indexImages(await this.docker.listImages()));
    return desired.map((r) => {
      if (r.type !== "container") return { ...r };
      if (typeof r.attributes[KEPT_IMAGE] === "string") return { ...r, attributes: resolvePinned(r.attributes, (ref) => lookupImageId(byRef, ref)) };
      const image = String(r.attributes.image);
      return { ...r, attributes: { ...r.attributes, image_id: lookupImageId(byRef, image) } };
    });
  }

  /** Digest each build context from its files: a changed file then plans a rebuild, no engine needed. */
  async resolveLocal(desired: DesiredResource[]): Promise<DesiredResource[]> {
    return digestBuildContexts(desired);
  }

  /**
   * Ports each image EXPOSEs, for the legacy link variables (MYSQL_PORT_3306_TCP) of a
   * linked service whose template exposes nothing itself. Absent images expose nothing yet.
   */
  async imageExposedPorts(images: readonly string[]): Promise<Record<string, number[]>> {
    const entries = await Promise.all(
      [...new Set(images)].map(async (image) => {
        try {
          const info = await this.docker.getImage(image).inspect();
          const exposed = Object.keys(info.Config?.ExposedPorts ?? {})
            .filter((k) => k.endsWith("/tcp"))
            .map((k) => Number.parseInt(k, 10))
            .sort((a, b) => a - b);
          return [image, exposed] as const;
        } catch {
          return [image, []] as const;
        }
      }),
    );
    return Object.fromEntries(entries);
  }

  /** Containers recorded before endpoints were: computed from what the record holds, as apply computes them. */
  upgradeRecorded(resource: RecordedResource): RecordedResource {
    const a = resource.attributes;
    if (resource.type !== "container" || a.endpoints !== undefined || a.published === undefined) return resource;
    const ports = (Array.isArray(a.ports) ? a.ports : []) as unknown as PortAttr[];
    const published = (a.published ?? {}) as Record<string, number>;
    return { ...resource, attributes: { ...a, endpoints: endpointsOf(ports, published, a.running !== false) } };
  }

  // ------------------------------------------------------------------ act

  async apply(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    return withEngine(
      this.docker,
      () =>
        change.type === "network"
          ? applyNetwork(this.docker, change, ctx.project)
          : change.type === "volume"
            ? applyVolume(this.docker, change, ctx.project)
          : change.type === "image"
            ? applyImage(this.docker, change, ctx)
            : this.applyContainer(change, ctx),
      { address: change.address },
    );
  }

  async importable(ctx: ImportContext): Promise<ImportCandidate[]> {
    return withEngine(this.docker, () => findImportable(this.docker, ctx));
  }

  async adopt(candidate: ImportCandidate, record: Attributes): Promise<Attributes> {
    return withEngine(this.docker, () => adoptObject(this.docker, candidate, record), { address: candidate.address });
  }

  async keepForRollback(ctx: KeepContext): Promise<DesiredResource[]> {
    return withEngine(this.docker, () => keepImages(this.docker, ctx));
  }

  async releaseKept(project: string, keptSerials: readonly number[]): Promise<void> {
    await withEngine(this.docker, () => releaseKeptImages(this.docker, project, keptSerials));
  }

  async close(): Promise<void> {
    // Every call opens its own connection on the socket: nothing is held between calls.
  }

  private async applyContainer(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    const before = change.before as ContainerAttributes | null;
    const after = change.after as ContainerAttributes | null;
    const key = change.actions.join(",");
    if (key === "no-op") return change.before;
    if (key === "delete") return this.deleteContainer(required(before, change), ctx);
    if (key === "update" && change.movedFrom !== undefined) return this.moveContainer(required(before, change), required(after, change), change, ctx);
    if (key === "update") return this.updateContainer(required(before, change), required(after, change), change, ctx);
    // depends_on conditions: the container is created once its dependencies meet them (the old
    // one of a replacement keeps running meanwhile).
    await this.waitForDependencies(change, ctx);
    if (key === "create") return this.createContainer(required(after, change), change.address, ctx);
    if (key === "delete,create") {
      await this.deleteContainer(required(before, change), ctx);
      return this.createContainer(required(after, change), change.address, ctx);
    }
    const created = await this.createReplacement(required(before, change), required(after, change), change.address, ctx);
    return this.destroyReplaced(required(before, change), required(after, change), created, ctx);
  }

  /**
   * A routed replica is replaced in two steps (the executor moves the router's upstream over
   * between them): the new container starts beside the old one under a temporary name and
   * serves; then the old one stops and the new one takes the canonical name.
   */
  readonly replaceInSteps: ReplaceInSteps = {
    appliesTo: (change) => change.type === "container",
    create: (change, ctx) =>
      withEngine(
        this.docker,
        async () => {
          await this.waitForDependencies(change, ctx);
          return this.createReplacement(required(change.before as ContainerAttributes | null, change), required(change.after as ContainerAttributes | null, change), change.address, ctx);
        },
        { address: change.address },
      ),
    destroyDeposed: (change, created, ctx) =>
      withEngine(
        this.docker,
        () => this.destroyReplaced(required(change.before as ContainerAttributes | null, change), required(change.after as ContainerAttributes | null, change), created, ctx),
        { address: change.address },
      ),
    abandon: (change, created, ctx) =>
      withEngine(
        this.docker,
        async () => {
          ctx.log(`removing ${String(created.name)}${TEMPORARY_SUFFIX} again; ${String((change.before as ContainerAttributes | null)?.name)} keeps running`);
          await removeContainer(this.docker, String(created.container_id));
        },
        { address: change.address },
      ),
  };

  /**
   * healthcheck.start_interval needs engine API 1.44 (Docker 25); an older engine ignores it and
   * probes at `interval` during start_period too. Said once per container that sets it.
   */
  private async noteStartInterval(after: ContainerAttributes, ctx: ApplyContext): Promise<void> {
    if (after.healthcheck?.start_interval_seconds === undefined) return;
    this.apiVersion ??= this.docker.version().then((v) => v.ApiVersion, () => "unknown");
    const api = await this.apiVersion;
    const [major, minor] = api.split(".").map(Number);
    if (major === 1 && minor < 44) ctx.log(`healthcheck.start_interval is ignored by this engine (API ${api} < 1.44): it probes every interval during start_period`);
  }

  private async waitForDependencies(change: ResourceChange, ctx: ApplyContext): Promise<void> {
    if (!change.conditions) return;
    await waitForDependencies(this.docker, {
      address: change.address,
      conditions: change.conditions,
      timeoutMs: this.readyTimeoutSeconds * 1000,
      ctx,
    });
  }

  private async createContainer(after: ContainerAttributes, address: string, ctx: ApplyContext): Promise<Attributes> {
    await ensureImage(this.docker, after.image, { service: after.service, address, pullPolicy: after.pull_policy, knownId: after.image_id }, (m) => ctx.log(m));
    await this.noteStartInterval(after, ctx);
    const started = await createAndStart(this.docker, after, {
      name: after.name,
      temporary: false,
      stopTimeoutSeconds: this.stopTimeoutSeconds,
      address,
    });
    return recorded(after, started);
  }

  private async deleteContainer(before: ContainerAttributes, ctx: ApplyContext): Promise<null> {
    ctx.log(`stopping ${before.name}`);
    await stopAndRemove(this.docker, before.container_id ?? before.name, stopTimeoutOf(before, this.stopTimeoutSeconds));
    return null;
  }

  /**
   * Restart policy, resource limits and running/stopped are what Docker changes on a container; a
   * dependency it restarts with (depends_on.restart) changing restarts it, once the
   * dependency meets its condition again. A one-shot that exited with code 0 stays exited.
   */
  private async updateContainer(before: ContainerAttributes, after: ContainerAttributes, change: ResourceChange, ctx: ApplyContext): Promise<Attributes> {
    const address = change.address;
    const container = this.docker.getContainer(before.container_id ?? before.name);
    const update = containerUpdate(before, after, address);
    if (Object.keys(update).length > 0) await container.update(update);
    let info = await container.inspect();
    const restart = change.reason === "dependency-changed";
    const completed = after.one_shot === true && !info.State.Running && info.State.ExitCode === 0 && !info.State.StartedAt.startsWith("0001-");
    if (after.running !== false && (restart || (!info.State.Running && !completed))) {
      await this.waitForDependencies(change, ctx);
      if (restart) ctx.log(`restarting ${before.name}: ${change.restartedBy?.join(", ") ?? "a dependency"} changed`);
      if (info.State.Running) await container.restart({ t: this.stopTimeoutSeconds });
      else await container.start();
      info = await container.inspect(); // ports Docker assigns are assigned again on start
    } else if (after.running === false && info.State.Running) {
      await ignoreStatus([304], () => container.stop({ t: stopTimeoutOf(after, this.stopTimeoutSeconds) }));
    }
    const published = publishedPorts(info);
    return asAttributes({ ...after, container_id: info.Id, published, endpoints: endpointsOf(after.ports, published, info.State.Running) });
  }

  /**
   * A renamed service keeps its containers: Docker renames each and it rejoins its networks
   * under the new aliases (the engine cannot change an endpoint's aliases in place). Labels
   * cannot change on a container: `created_as` records the ones it carries, so refresh still
   * finds it (by ID) and a config hash label left from before the rename is no drift.
   */
  private async moveContainer(before: ContainerAttributes, after: ContainerAttributes, change: ResourceChange, ctx: ApplyContext): Promise<Attributes> {
    const container = this.docker.getContainer(before.container_id ?? before.name);
    if (before.name !== after.name) {
      ctx.log(`renaming ${before.name} to ${after.name}`);
      await container.rename({ name: after.name });
    }
    if (!after.network_mode) {
      const rejoin = networkEndpoints(after).filter(([network, endpoint]) => !sameAttachment(before.networks[network], endpoint));
      for (const [network] of rejoin) if (before.networks[network]) await this.docker.getNetwork(network).disconnect({ Container: container.id });
      for (const [network, endpoint] of rejoin) await this.docker.getNetwork(network).connect({ Container: container.id, EndpointConfig: endpoint });
      for (const network of Object.keys(before.networks)) {
        if (!(network in after.networks)) await this.docker.getNetwork(network).disconnect({ Container: container.id });
      }
    }
    const updated = await this.updateContainer(before, after, change, ctx);
    const createdAs = before.created_as ?? { service: before.service, index: before.index, config_hash: before.config_hash };
    return { ...updated, created_as: createdAs };
  }

  /** The new replica beside the old one, under a temporary name, ready to serve. */
  private async createReplacement(before: ContainerAttributes, after: ContainerAttributes, address: string, ctx: ApplyContext): Promise<Attributes> {
    await ensureImage(this.docker, after.image, { service: after.service, address, pullPolicy: after.pull_policy, knownId: after.image_id }, (m) => ctx.log(m));
    await this.noteStartInterval(after, ctx);
    const nextName = `${after.name}${TEMPORARY_SUFFIX}`;
    ctx.log(`starting ${nextName} beside ${before.name}`);
    const next = await createAndStart(this.docker, after, {
      name: nextName,
      temporary: true,
      stopTimeoutSeconds: this.stopTimeoutSeconds,
      address,
    });
    try {
      ctx.log(`waiting for ${nextName} to be ready`);
      const readiness = await waitUntilReady(next.container, {
        healthcheck: healthcheckMode(after),
        ports: after.ports,
        published: next.published,
        timeoutMs: readyTimeoutMs(after, this.readyTimeoutSeconds),
        aborted: () => ctx.aborted,
      });
      if (!readiness.ready) {
        throw new UserError("E_NOT_READY", `service ${after.service}: the replacement container did not become ready: ${readiness.reason}; the old container keeps running`, {
          address,
        });
      }
    } catch (e) {
      await removeContainer(this.docker, next.containerId);
      throw e;
    }
    return recorded(after, next);
  }

  /** The old replica goes; the new one takes the canonical name. */
  private async destroyReplaced(before: ContainerAttributes, after: ContainerAttributes, created: Attributes, ctx: ApplyContext): Promise<Attributes> {
    ctx.log(`stopping ${before.name}`);
    await stopAndRemove(this.docker, before.container_id ?? before.name, stopTimeoutOf(before, this.stopTimeoutSeconds));
    // An apply killed between its rename and its state write leaves an unrecorded replica of this
    // project under the name (the recorded one is gone): what refers to the address has moved to
    // the new one, so it goes too. Only ever the project's own: anything else holding the name stops the rename.
    if (before.container_id) await this.removeOwnHolder(after.name, after.project, stopTimeoutOf(before, this.stopTimeoutSeconds));
    await this.docker.getContainer(String(created.container_id)).rename({ name: after.name });
    return created;
  }

  private async removeOwnHolder(name: string, project: string, stopTimeoutSeconds: number): Promise<void> {
    const holder = await this.docker.getContainer(name).inspect().catch(() => null);
    if (holder?.Config.Labels?.[LABEL_PROJECT] === project) await stopAndRemove(this.docker, holder.Id, stopTimeoutSeconds);
  }
}

// ------------------------------------------------------------------ helpers

/** The new side of an interrupted create-before-destroy: never renamed, so still `_next`. */
function isLeftoverTemporary(c: Docker.ContainerInfo): boolean {
  return c.Labels[LABEL_TEMPORARY] === "true" && containerNameOf(c).endsWith(TEMPORARY_SUFFIX);
}

function containerNameOf(c: Docker.ContainerInfo): string {
  return (c.Names[0] ?? "").replace(/^\//, "");
}

/** Containers holding any of `names`: one filtered list for a few names, the whole list for many. */
async function listHoldingNames(docker: Docker, names: string[]): Promise<Docker.ContainerInfo[]> {
  if (names.length === 0) return [];
  const filters = names.length <= 100 ? { name: names.map((n) => `^/${escapeRegExp(n)}$`) } : undefined;
  return docker.listContainers({ all: true, ...(filters ? { filters } : {}) });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A container with a name the plan needs that this project's Berth did not make: a conflict, never removed silently. */
function foreignContainers(listed: Docker.ContainerInfo[], wanted: ReadonlyMap<string, string>, project: string): Observed[] {
  return listed.flatMap((c) => {
    const address = wanted.get(containerNameOf(c));
    if (!address || c.Labels[LABEL_PROJECT] === project) return [];
    return [
      {
        address,
        type: "container" as const,
        attributes: { name: containerNameOf(c), container_id: c.Id, running: c.State === "running", image: c.Image },
        foreign: { madeBy: madeBy(c.Labels) },
      },
    ];
  });
}

/**
 * Containers `berth import` took over carry no Berth labels (labels cannot be added to a
 * container): they are found by the IDs the state recorded. Their config hash is not
 * observable, so it is left out rather than reported as changed.
 */
async function listImported(
  docker: Docker,
  recorded: readonly RecordedResource[],
  labelled: readonly Docker.ContainerInfo[],
): Promise<{ observed: Observed[]; ids: Set<string> }> {
  const seen = new Set(labelled.map((c) => c.Id));
  const byId = new Map(
    recorded
      .filter((r) => r.type === "container" && typeof r.attributes.container_id === "string" && !seen.has(r.attributes.container_id))
      .map((r) => [r.attributes.container_id as string, r]),
  );
  if (byId.size === 0) return { observed: [], ids: new Set() };
  const listed = await docker.listContainers({ all: true, filters: { id: [...byId.keys()] } });
  const found = listed.filter((c) => byId.has(c.Id));
  const observed = found.map((c) => {
    const r = byId.get(c.Id)!;
    const completed = r.attributes.one_shot === true && c.State === "exited" && /^Exited \(0\)/.test(c.Status);
    return {
      address: r.address,
      type: "container" as const,
      attributes: { name: containerNameOf(c), container_id: c.Id, running: c.State === "running" || completed, image_id: c.ImageID },
    };
  });
  return { observed, ids: new Set(found.map((c) => c.Id)) };
}

/**
 * A one-shot container that exited with code 0 is where it should be: observed as running.
 * A container the state records is observed at its recorded address, since a renamed one still
 * carries the labels it was created with (created_as); anything else by its labels.
 */
function observeContainer(c: Docker.ContainerInfo, oneShots: ReadonlySet<string>, record: RecordedResource | undefined): Observed[] {
  const service = c.Labels[LABEL_SERVICE];
  const index = Number(c.Labels[LABEL_INDEX]);
  if (!service || !Number.isInteger(index) || index < 0) return [];
  const address = record?.address ?? `container.${service}[${index}]`;
  const createdAs = record?.attributes.created_as as { config_hash?: string } | undefined;
  const labelHash = c.Labels[LABEL_CONFIG_HASH] ?? null;
  const configHash = createdAs !== undefined && labelHash === createdAs.config_hash ? (record?.attributes.config_hash ?? null) : labelHash;
  const completed = oneShots.has(address) && c.State === "exited" && /^Exited \(0\)/.test(c.Status);
  return [
    {
      address,
      type: "container",
      attributes: {
        name: containerNameOf(c),
        container_id: c.Id,
        running: c.State === "running" || completed,
        config_hash: configHash,
        image_id: c.ImageID,
      },
    },
  ];
}

/** What apply records: the desired attributes plus what the engine assigned. */
function recorded(after: ContainerAttributes, started: { containerId: string; imageId: string; published: Record<string, number> }): Attributes {
  // image_id is the image the container really runs: a pull during apply fills it in.
  return asAttributes({
    ...after,
    image_id: started.imageId,
    container_id: started.containerId,
    published: started.published,
    endpoints: endpointsOf(after.ports, started.published, after.running !== false),
  });
}

/** Attribute interfaces hold JSON values only; TypeScript cannot see that through their index signature. */
function asAttributes(attrs: ContainerAttributes | NetworkAttributes): Attributes {
  return attrs as unknown as Attributes;
}

function sameAttachment(recorded: NetworkAttachmentAttr | undefined, endpoint: Docker.EndpointSettings): boolean {
  if (!recorded) return false;
  const aliases = endpoint.Aliases ?? [];
  const sameAliases = recorded.aliases.length === aliases.length && recorded.aliases.every((a, i) => a === aliases[i]);
  return sameAliases && (recorded.ipv4_address ?? undefined) === endpoint.IPAMConfig?.IPv4Address && (recorded.ipv6_address ?? undefined) === endpoint.IPAMConfig?.IPv6Address;
}

function required<T>(value: T | null, change: ResourceChange): T {
  if (value === null) throw new Error(`${change.address}: ${change.actions.join(",")} needs ${hasAction(change, "create") ? "after" : "before"} attributes`);
  return value;
}
