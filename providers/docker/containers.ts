import type Docker from "dockerode";
import type { ContainerAttributes } from "./attributes.js";
import { UserError } from "../../src/core/errors.js";
import { engineStatus, ignoreStatus } from "../../src/clients/docker.js";
import { writeContainerFiles } from "./container-files.js";
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
 * Create and start one container from its attributes. Nothing holding the name is removed
 * first: the plan deleted what it had to (by ID), and anything else is not Berth's to remove.
 * Named volumes are resources of their own, created before the containers that mount them.
 */
export async function createAndStart(docker: Docker, attrs: ContainerAttributes, opts: CreateOptions): Promise<StartedContainer> {
  const spec = containerSpec(attrs, opts);
  const container = await createNamed(docker, spec.create, opts.address);
  try {
    for (const { network, endpoint } of spec.connect) await docker.getNetwork(network).connect({ Container: container.id, EndpointConfig: endpoint });
    await writeContainerFiles(container, attrs);
    if (attrs.running !== false) await container.start();
    // Nothing published and the image known from the plan: the engine has nothing to tell (one call less per container).
    if (attrs.ports.length === 0 && attrs.image_id) return { container, containerId: container.id, imageId: attrs.image_id, published: {} };
    const info = await container.inspect();
    return { container, containerId: info.Id, imageId: info.Image, published: publishedPorts(info) };
  } catch (e) {
    // A container that cannot start (port taken, bad command) is not left behind half made.
    await removeContainer(docker, container.id);
    throw e;
  }
}

async function createNamed(docker: Docker, create: Docker.ContainerCreateOptions, address: string): Promise<Docker.Container> {
  try {
    return await docker.createContainer(create);
  } catch (e) {
    if (engineStatus(e) !== 409) throw e;
    throw new UserError(
      "E_CONFLICT",
      `a container named ${create.name} appeared after the plan was made and Berth did not remove it; run \`berth plan\` again to see what holds the name`,
      { address },
    );
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
