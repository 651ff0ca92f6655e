import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import { hasAction, type ResourceChange } from "../../src/core/plan.js";
import type { ApplyContext, Provider, RefreshContext } from "../../src/core/provider.js";
import type { Attributes, DesiredResource, ObservedResource } from "../../src/core/types.js";
import type { ContainerAttributes, NetworkAttributes } from "./attributes.js";
import { LABEL_CONFIG_HASH, LABEL_INDEX, LABEL_PROJECT, LABEL_SERVICE } from "./attributes.js";
import { connectDocker, engineStatus, ignoreStatus, withEngine } from "./client.js";
import { LABEL_TEMPORARY, TEMPORARY_SUFFIX, hasHealthcheck, publishedPorts, restartPolicyOf } from "./container-spec.js";
import { createAndStart, removeContainer, stopAndRemove } from "./containers.js";
import { ensureImage, indexImages, lookupImageId } from "./images.js";
import { waitUntilReady } from "./readiness.js";
import { dockerSchema } from "./schema.js";

export interface DockerProviderOptions {
  docker?: Docker;
  /** Seconds a container gets to stop before the engine kills it. */
  stopTimeoutSeconds?: number;
  /** Seconds a create-before-destroy replacement gets to become ready. */
  readyTimeoutSeconds?: number;
}

const NETWORK_ADDRESS = "network.default";

/** Containers and the project network, on one Docker engine. */
export class DockerProvider implements Provider {
  readonly name = "docker" as const;
  readonly schema = dockerSchema;
  private readonly docker: Docker;
  private readonly stopTimeoutSeconds: number;
  private readonly readyTimeoutSeconds: number;

  constructor(opts: DockerProviderOptions = {}) {
    this.docker = opts.docker ?? connectDocker();
    this.stopTimeoutSeconds = opts.stopTimeoutSeconds ?? 10;
    this.readyTimeoutSeconds = opts.readyTimeoutSeconds ?? 60;
  }

  // ------------------------------------------------------------------ observe

  /** One label-filtered list of containers, one name-filtered list of networks. */
  async refresh(ctx: RefreshContext): Promise<ObservedResource[]> {
    return withEngine(this.docker, async () => {
      const [containers, networks] = await Promise.all([
        this.docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${ctx.project}`] } }),
        this.docker.listNetworks({ filters: { name: [networkNameOf(ctx.project)] } }),
      ]);
      const leftovers = containers.filter(isLeftoverTemporary);
      await Promise.all(leftovers.map((c) => removeContainer(this.docker, c.Id)));
      const observed = containers.filter((c) => !isLeftoverTemporary(c)).flatMap(observeContainer);
      // The name filter matches substrings: only the exact name is the project's network.
      const network = networks.find((n) => n.Name === networkNameOf(ctx.project));
      if (network) {
        observed.push({ address: NETWORK_ADDRESS, type: "network", attributes: { name: network.Name, network_id: network.Id } });
      }
      return observed;
    });
  }

  /** Fill each container's image_id from one image list: a rebuilt tag then plans as a replacement. */
  async resolveDesired(desired: DesiredResource[]): Promise<DesiredResource[]> {
    if (!desired.some((r) => r.type === "container")) return desired.map((r) => ({ ...r }));
    const byRef = await withEngine(this.docker, async () => indexImages(await this.docker.listImages()));
    return desired.map((r) => {
      if (r.type !== "container") return { ...r };
      const image = String(r.attributes.image);
      return { ...r, attributes: { ...r.attributes, image_id: lookupImageId(byRef, image) } };
    });
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

  // ------------------------------------------------------------------ act

  async apply(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    return withEngine(
      this.docker,
      () => (change.type === "network" ? this.applyNetwork(change, ctx) : this.applyContainer(change, ctx)),
      { address: change.address },
    );
  }

  async close(): Promise<void> {
    // Every call opens its own connection on the socket: nothing is held between calls.
  }

  private async applyNetwork(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    const before = change.before as NetworkAttributes | null;
    const after = change.after as NetworkAttributes | null;
    switch (change.actions[0]) {
      case "no-op":
        return change.before;
      case "update":
        // Nothing about a network changes in place; keep what exists.
        return asAttributes({ ...required(after, change), network_id: before?.network_id ?? null });
      default:
        if (hasAction(change, "delete") && before) await this.deleteNetwork(before, ctx);
        return hasAction(change, "create") && after ? this.createNetwork(after) : null;
    }
  }

  /** A network of that name already there (an earlier run, a crashed apply) is adopted. */
  private async createNetwork(after: NetworkAttributes): Promise<Attributes> {
    let networkId = await this.findNetworkId(after.name);
    if (!networkId) {
      try {
        const network = await this.docker.createNetwork({
          Name: after.name,
          Driver: "bridge",
          CheckDuplicate: true,
          Labels: { [LABEL_PROJECT]: after.project },
        });
        networkId = network.id;
      } catch (e) {
        if (engineStatus(e) !== 409) throw e;
        networkId = await this.findNetworkId(after.name); // created meanwhile by someone else
        if (!networkId) throw e;
      }
    }
    return asAttributes({ ...after, network_id: networkId });
  }

  private async findNetworkId(name: string): Promise<string | null> {
    const networks = await this.docker.listNetworks({ filters: { name: [name] } });
    return networks.find((n) => n.Name === name)?.Id ?? null;
  }

  /** Remove the network, then the project's volumes (aliyun.logs) no container uses any more. */
  private async deleteNetwork(before: NetworkAttributes, ctx: ApplyContext): Promise<void> {
    if (before.network_id) await ignoreStatus([404], () => this.docker.getNetwork(before.network_id!).remove());
    // The recorded ID may be stale (the network was re-made outside Berth): the name is the project's.
    const sameName = await this.findNetworkId(before.name);
    if (sameName) await ignoreStatus([404], () => this.docker.getNetwork(sameName).remove());
    const { Volumes: volumes } = await this.docker.listVolumes({ filters: { label: [`${LABEL_PROJECT}=${ctx.project}`] } });
    for (const volume of volumes ?? []) {
      // 409: still in use (by a container Berth does not manage any more): keep it.
      await ignoreStatus([404, 409], () => this.docker.getVolume(volume.Name).remove());
    }
  }

  private async applyContainer(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    const before = change.before as ContainerAttributes | null;
    const after = change.after as ContainerAttributes | null;
    const key = change.actions.join(",");
    if (key === "no-op") return change.before;
    if (key === "delete") return this.deleteContainer(required(before, change), ctx);
    if (key === "create") return this.createContainer(required(after, change), change.address, ctx);
    if (key === "update") return this.updateContainer(required(before, change), required(after, change), change.address);
    if (key === "delete,create") {
      await this.deleteContainer(required(before, change), ctx);
      return this.createContainer(required(after, change), change.address, ctx);
    }
    return this.createBeforeDestroy(required(before, change), required(after, change), change.address, ctx);
  }

  private async createContainer(after: ContainerAttributes, address: string, ctx: ApplyContext): Promise<Attributes> {
    await ensureImage(this.docker, after.image, { service: after.service, address }, (m) => ctx.log(m));
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
    await stopAndRemove(this.docker, before.container_id ?? before.name, this.stopTimeoutSeconds);
    return null;
  }

  /** Restart policy and running/stopped are the only things Docker changes on a container. */
  private async updateContainer(before: ContainerAttributes, after: ContainerAttributes, address: string): Promise<Attributes> {
    const container = this.docker.getContainer(before.container_id ?? before.name);
    if (before.restart !== after.restart) {
      await container.update({ RestartPolicy: restartPolicyOf(after.restart, address) });
    }
    let info = await container.inspect();
    if (after.running !== false && !info.State.Running) {
      await container.start();
      info = await container.inspect(); // ports Docker assigns are assigned again on start
    } else if (after.running === false && info.State.Running) {
      await ignoreStatus([304], () => container.stop({ t: this.stopTimeoutSeconds }));
    }
    return asAttributes({ ...after, container_id: info.Id, published: publishedPorts(info) });
  }

  /**
   * Replace a routed replica without a gap: start the new one beside the old under a
   * temporary name, wait until it serves, let the router move over, remove the old one,
   * then give the new one the canonical name.
   */
  private async createBeforeDestroy(
    before: ContainerAttributes,
    after: ContainerAttributes,
    address: string,
    ctx: ApplyContext,
  ): Promise<Attributes> {
    await ensureImage(this.docker, after.image, { service: after.service, address }, (m) => ctx.log(m));
    const nextName = `${after.name}${TEMPORARY_SUFFIX}`;
    ctx.log(`starting ${nextName} beside ${before.name}`);
    const next = await createAndStart(this.docker, after, {
      name: nextName,
      temporary: true,
      stopTimeoutSeconds: this.stopTimeoutSeconds,
      address,
    });
    const nextAttrs = recorded(after, next);
    try {
      ctx.log(`waiting for ${nextName} to be ready`);
      const readiness = await waitUntilReady(next.container, {
        healthcheck: hasHealthcheck(after),
        ports: after.ports,
        published: next.published,
        timeoutMs: this.readyTimeoutSeconds * 1000,
        aborted: () => ctx.aborted,
      });
      if (!readiness.ready) {
        throw new UserError("E_NOT_READY", `service ${after.service}: the replacement container did not become ready: ${readiness.reason}; the old container keeps running`, {
          address,
        });
      }
      await ctx.replicaReplaced?.(address, nextAttrs);
    } catch (e) {
      await removeContainer(this.docker, next.containerId);
      throw e;
    }
    ctx.log(`stopping ${before.name}`);
    await stopAndRemove(this.docker, before.container_id ?? before.name, this.stopTimeoutSeconds);
    // An apply killed between its rename and its state write leaves an unrecorded replica under
    // the name (the recorded one is gone): the router has just moved to `next`, so it goes too.
    if (before.container_id) await stopAndRemove(this.docker, after.name, this.stopTimeoutSeconds);
    await next.container.rename({ name: after.name });
    return nextAttrs;
  }
}

// ------------------------------------------------------------------ helpers

function networkNameOf(project: string): string {
  return `${project}_default`;
}

/** The new side of an interrupted create-before-destroy: never renamed, so still `_next`. */
function isLeftoverTemporary(c: Docker.ContainerInfo): boolean {
  return c.Labels[LABEL_TEMPORARY] === "true" && containerNameOf(c).endsWith(TEMPORARY_SUFFIX);
}

function containerNameOf(c: Docker.ContainerInfo): string {
  return (c.Names[0] ?? "").replace(/^\//, "");
}

function observeContainer(c: Docker.ContainerInfo): ObservedResource[] {
  const service = c.Labels[LABEL_SERVICE];
  const index = Number(c.Labels[LABEL_INDEX]);
  if (!service || !Number.isInteger(index) || index < 0) return [];
  return [
    {
      address: `container.${service}[${index}]`,
      type: "container",
      attributes: {
        name: containerNameOf(c),
        container_id: c.Id,
        running: c.State === "running",
        config_hash: c.Labels[LABEL_CONFIG_HASH] ?? null,
        image_id: c.ImageID,
      },
    },
  ];
}

/** What apply records: the desired attributes plus what the engine assigned. */
function recorded(after: ContainerAttributes, started: { containerId: string; imageId: string; published: Record<string, number> }): Attributes {
  // image_id is the image the container really runs: a pull during apply fills it in.
  return asAttributes({ ...after, image_id: started.imageId, container_id: started.containerId, published: started.published });
}

/** Attribute interfaces hold JSON values only; TypeScript cannot see that through their index signature. */
function asAttributes(attrs: ContainerAttributes | NetworkAttributes): Attributes {
  return attrs as unknown as Attributes;
}

function required<T>(value: T | null, change: ResourceChange): T {
  if (value === null) throw new Error(`${change.address}: ${change.actions.join(",")} needs ${hasAction(change, "create") ? "after" : "before"} attributes`);
  return value;
}
