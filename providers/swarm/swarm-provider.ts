import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import { hasAction, type ResourceChange } from "../../src/core/plan.js";
import type { ApplyContext, Provider, RefreshContext, TemplateModel, TemplateModelOptions } from "../../src/core/provider.js";
import type { Template } from "../../src/template/types.js";
import { swarmDesired } from "./desired.js";
import type { Attributes, DesiredResource, Observed, RecordedResource } from "../../src/core/types.js";
import { connectDocker, errorMessage, ignoreStatus, withEngine } from "../../src/clients/docker.js";
import { LABEL_PROJECT, LABEL_SERVICE, type ServiceAttributes } from "./attributes.js";
import { waitForConvergence } from "./converge.js";
import { applyFile, applyNetwork, collectUnused, fileIds, observeObjects } from "./objects.js";
import { swarmSchema } from "./schema.js";
import { observedServiceAttributes, pinnedImage, serviceSpec } from "./spec.js";

export interface SwarmProviderOptions {
  /** A client for the swarm's manager (DOCKER_HOST). */
  docker?: Docker;
  /** Seconds a service gets to converge after a create or an update. */
  convergeTimeoutSeconds?: number;
}

interface TaskInfo {
  ServiceID?: string;
  DesiredState?: string;
  Status?: { State?: string };
}

/** Services, overlay networks, configs and secrets on a Docker Swarm, through its manager. */
export class SwarmProvider implements Provider {
  readonly name = "swarm" as const;
  readonly schema = swarmSchema;
  private readonly docker: Docker;
  private readonly convergeTimeoutMs: number;

  constructor(opts: SwarmProviderOptions = {}) {
    this.docker = opts.docker ?? connectDocker();
    this.convergeTimeoutMs = (opts.convergeTimeoutSeconds ?? 300) * 1000;
  }

  /** A swarm runs services: the template is read here (desired.ts), not by the one-engine model. */
  modelTemplate(template: Template, opts: TemplateModelOptions): TemplateModel {
    // deploy.update_config and the rest have effect here: the loader's "swarm only" warnings are moot.
    return { resources: swarmDesired(template, opts), mootWarnings: ["W_SWARM_ONLY"] };
  }

  // ------------------------------------------------------------------ observe

  async refresh(ctx: RefreshContext): Promise<Observed[]> {
    return withEngine(this.docker, async () => {
      await this.assertManager();
      const [services, objects] = await Promise.all([
        this.docker.listServices({ filters: { label: [`${LABEL_PROJECT}=${ctx.project}`] } }),
        observeObjects(this.docker, ctx.project, ctx.recorded, ctx.desired),
      ]);
      const running = await this.runningTasks(services.map((s) => s.ID));
      const observed: Observed[] = services.flatMap((s) => {
        const service = s.Spec?.Labels?.[LABEL_SERVICE];
        if (!service) return [];
        return [{ address: `service.${service}`, type: "service" as const, attributes: observedServiceAttributes(s, running.get(s.ID) ?? 0) }];
      });
      return [...observed, ...objects];
    });
  }

  /** Each service's image resolved to the digest its registry serves now, as the manager sees it. */
  async resolveDesired(desired: DesiredResource[]): Promise<DesiredResource[]> {
    const digests = new Map<string, Promise<string>>();
    const resolve = (image: string, d: DesiredResource) => {
      if (!digests.has(image)) digests.set(image, this.imageDigest(image, d));
      return digests.get(image)!;
    };
    return Promise.all(
      desired.map(async (d) => (d.type === "service" ? { ...d, attributes: { ...d.attributes, image_digest: await resolve(String(d.attributes.image), d) } } : { ...d })),
    );
  }

  // ------------------------------------------------------------------ act

  async apply(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    return withEngine(
      this.docker,
      () =>
        change.type === "network"
          ? applyNetwork(this.docker, change, ctx.project)
          : change.type === "config" || change.type === "secret"
            ? applyFile(this.docker, change, ctx.project)
            : this.applyService(change, ctx),
      { address: change.address },
    );
  }

  /** Configs and secrets left from earlier contents go once no service uses them. */
  async afterApply(recorded: readonly RecordedResource[], ctx: ApplyContext): Promise<void> {
    await withEngine(this.docker, () => collectUnused(this.docker, ctx.project, recorded, (m) => ctx.log(m)));
  }

  private async applyService(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    const before = change.before as ServiceAttributes | null;
    const after = change.after as ServiceAttributes | null;
    if (change.actions[0] === "no-op") return change.before;
    if (hasAction(change, "delete") && before) await this.removeService(before, ctx);
    if (!after) return null;
    return this.createOrUpdate(after, change.address, ctx);
  }

  /** One path for create and update: a service of that name already ours is updated (an interrupted apply made it). */
  private async createOrUpdate(after: ServiceAttributes, address: string, ctx: ApplyContext): Promise<Attributes> {
    if (!after.image_digest) throw new UserError("E_IMAGE_UNRESOLVED", `service ${after.service}: the image ${after.image} has no digest; plan again with the swarm reachable`, { address });
    const ids = { configs: await fileIds(this.docker, "config", after.configs.map((c) => c.name)), secrets: await fileIds(this.docker, "secret", after.secrets.map((s) => s.name)) };
    const spec = serviceSpec(after, ids);
    const existing = await this.findService(after.name);
    if (existing && existing.Spec?.Labels?.[LABEL_PROJECT] !== after.project) {
      throw new UserError("E_CONFLICT", `service ${after.name} already exists and was not made by Berth for project ${after.project}; nothing was changed`, { address });
    }
    const issuedAt = Date.now();
    let serviceId: string;
    if (existing) {
      ctx.log(`updating ${after.name} (version ${existing.Version?.Index ?? "?"})`);
      await this.docker.getService(existing.ID).update({ _query: { version: existing.Version?.Index }, _body: spec } as never);
      serviceId = existing.ID;
    } else {
      ctx.log(`creating ${after.name} (${after.replicas} replicas of ${pinnedImage(after)})`);
      const created = (await this.docker.createService(spec as Docker.CreateServiceOptions)) as unknown as { id?: string; ID?: string };
      serviceId = created.id ?? created.ID ?? "";
    }
    const { tasksRunning } = await waitForConvergence(this.docker, {
      address,
      service: after.service,
      serviceId,
      replicas: after.replicas,
      image: pinnedImage(after),
      issuedAt,
      timeoutMs: this.convergeTimeoutMs,
      aborted: () => ctx.aborted,
      log: (m) => ctx.log(m),
    });
    return { ...after, service_id: serviceId, tasks_running: tasksRunning } as unknown as Attributes;
  }

  /** Removes the service and waits until its tasks are gone, so its networks and files can go next. */
  private async removeService(before: ServiceAttributes, ctx: ApplyContext): Promise<void> {
    const existing = await this.findService(before.name);
    if (!existing) return;
    ctx.log(`removing ${before.name}`);
    await ignoreStatus([404], () => this.docker.getService(existing.ID).remove());
    const deadline = Date.now() + this.convergeTimeoutMs;
    while ((await this.tasksLeft(existing.ID)) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * Tasks of a removed service still shutting down. The service filter answers 404 as soon as
   * the service is gone, but its tasks stay in the store until they have stopped: all are listed.
   */
  private async tasksLeft(serviceId: string): Promise<number> {
    const tasks = (await this.docker.listTasks()) as TaskInfo[];
    return tasks.filter((t) => t.ServiceID === serviceId).length;
  }

  private async findService(name: string): Promise<Docker.Service | null> {
    const services = await this.docker.listServices({ filters: { name: [name] } });
    return services.find((s) => s.Spec?.Name === name) ?? null;
  }

  private async runningTasks(serviceIds: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (serviceIds.length === 0) return counts;
    const tasks = (await this.docker.listTasks({ filters: { service: serviceIds, "desired-state": ["running"] } })) as TaskInfo[];
    for (const t of tasks) if (t.ServiceID && t.Status?.State === "running") counts.set(t.ServiceID, (counts.get(t.ServiceID) ?? 0) + 1);
    return counts;
  }

  private async imageDigest(image: string, d: DesiredResource): Promise<string> {
    try {
      const info = (await this.docker.getImage(image).distribution()) as { Descriptor?: { digest?: string } };
      const digest = info.Descriptor?.digest;
      if (!digest) throw new Error("the registry answered without a digest");
      return digest;
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(
        "E_IMAGE_UNRESOLVED",
        `service ${d.name}: image ${image} cannot be resolved to a digest in its registry (${errorMessage(e)}); a swarm's nodes pull by name, so the image must be in a registry they reach`,
        { address: d.address },
      );
    }
  }

  /** A worker's engine answers "This node is not a swarm manager": said once, plainly. */
  private async assertManager(): Promise<void> {
    const info = (await this.docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    if (info.Swarm?.LocalNodeState !== "active" || !info.Swarm.ControlAvailable) {
      throw new UserError("E_NOT_A_MANAGER", `the engine DOCKER_HOST names is not a swarm manager (swarm state: ${info.Swarm?.LocalNodeState ?? "unknown"}); point DOCKER_HOST at a manager`);
    }
  }
}

