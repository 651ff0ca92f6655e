import type Docker from "dockerode";
import type { ContainerAttributes } from "./attributes.js";
import { LABEL_PROJECT } from "./attributes.js";
import { engineStatus, ignoreStatus } from "./client.js";
import { UserError } from "../../src/core/errors.js";
import { containerSpec, publishedPorts } from "./container-spec.js";

/** What the engine assigned a started container. */
export interface StartedContainer {
  container: Docker.Container;
  containerId: string;
  imageId: string;
  published: Record<string, number>;
}

export interface CreateOptions {
  name: string;
  temporary: boolean;
  stopTimeoutSeconds: number;
  address: string;
}

/**
 * Create and start one container from its attributes. A container of this project already
 * holding the name (an orphan being adopted, a leftover of a crashed apply) is removed first.
 * One that is not the project's (a container_name someone else uses) is left alone: docker
 * compose would fail on the name too.
 */
export async function createAndStart(docker: Docker, attrs: ContainerAttributes, opts: CreateOptions): Promise<StartedContainer> {
  const spec = containerSpec(attrs, opts);
  await claimName(docker, opts.name, attrs, opts.address);
  for (const name of spec.namedVolumes) {
    // Idempotent: an existing volume of that name is kept, data included.
    await docker.createVolume({ Name: name, Labels: { [LABEL_PROJECT]: attrs.project } });
  }
  const container = await docker.createContainer(spec.create);
  try {
    if (attrs.running !== false) await container.start();
    const info = await container.inspect();
    return { container, containerId: info.Id, imageId: info.Image, published: publishedPorts(info) };
  } catch (e) {
    // A container that cannot start (port taken, bad command) is not left behind half made.
    await removeContainer(docker, container.id);
    throw e;
  }
}

async function claimName(docker: Docker, name: string, attrs: ContainerAttributes, address: string): Promise<void> {
  // Berth's own names (<project>_<service>_<n>) are the project's by construction.
  if (name.startsWith(`${attrs.project}_${attrs.service}_`)) return removeContainer(docker, name);
  const holder = await inspectIfThere(docker, name);
  if (!holder) return;
  if (holder.Config?.Labels?.[LABEL_PROJECT] !== attrs.project) {
    throw new UserError(
      "E_NAME_TAKEN",
      `the container name '${name}' is taken by a container that is not project ${attrs.project}'s (${holder.Id.slice(0, 12)}); remove or rename it`,
      { address },
    );
  }
  await removeContainer(docker, holder.Id);
}

async function inspectIfThere(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | null> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (e) {
    if (engineStatus(e) === 404) return null;
    throw e;
  }
}

/** Remove by name or ID; already gone is fine. Anonymous volumes go with it, named ones stay. */
export async function removeContainer(docker: Docker, nameOrId: string): Promise<void> {
  await ignoreStatus([404], () => docker.getContainer(nameOrId).remove({ force: true, v: true }));
}

/** Stop within the stop timeout (the engine kills after it), then remove. */
export async function stopAndRemove(docker: Docker, nameOrId: string, stopTimeoutSeconds: number): Promise<void> {
  await ignoreStatus([304, 404], () => docker.getContainer(nameOrId).stop({ t: stopTimeoutSeconds }));
  await removeContainer(docker, nameOrId);
}
