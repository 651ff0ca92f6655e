import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import { hasAction, type ResourceChange } from "../../src/core/plan.js";
import type { Attributes, DesiredResource, Observed } from "../../src/core/types.js";
import { LABEL_PROJECT, type VolumeAttributes } from "./attributes.js";
import { engineStatus } from "../../src/clients/docker.js";
import { madeBy } from "./foreign.js";

/**
 * The project's volumes as the engine has them: those labelled with the project, and any
 * holding a name the template needs (docker compose made `<project>_<name>` with its data).
 */
export async function observeVolumes(docker: Docker, project: string, desired: readonly DesiredResource[]): Promise<Observed[]> {
  const wanted = new Map(desired.filter((d) => d.type === "volume").map((d) => [String(d.attributes.name), d.address]));
  const [labelled, named] = await Promise.all([
    docker.listVolumes({ filters: { label: [`${LABEL_PROJECT}=${project}`] } }),
    wanted.size ? docker.listVolumes({ filters: { name: [...wanted.keys()] } }) : Promise.resolve({ Volumes: [] }),
  ]);
  const observed = new Map<string, Observed>();
  for (const v of [...(labelled.Volumes ?? []), ...(named.Volumes ?? [])]) {
    const labels = v.Labels ?? {};
    const ours = labels[LABEL_PROJECT] === project;
    // The name filter matches substrings: only exact names count.
    const address = wanted.get(v.Name) ?? (ours ? labels["berth.volume"] && `volume.${labels["berth.volume"]}` : undefined);
    if (!address || observed.has(address)) continue;
    observed.set(address, {
      address,
      type: "volume",
      // Only the name: an external volume's driver is not Berth's to record or compare.
      attributes: { name: v.Name },
      ...(ours ? {} : { foreign: { madeBy: madeBy(labels) } }),
    });
  }
  return [...observed.values()];
}

export async function applyVolume(docker: Docker, change: ResourceChange, project: string): Promise<Attributes | null> {
  const before = change.before as VolumeAttributes | null;
  const after = change.after as VolumeAttributes | null;
  if (change.actions[0] === "no-op") return change.before;
  if (hasAction(change, "delete") && before) await deleteVolume(docker, before, change.address);
  if (!hasAction(change, "create") && !hasAction(change, "update")) return null;
  return ensureVolume(docker, after!, change.address, project);
}

/** Creates the volume, or takes over the one already there with its data (compose's, a crashed apply's). */
async function ensureVolume(docker: Docker, after: VolumeAttributes, address: string, project: string): Promise<Attributes> {
  const existing = await inspectVolumeOrNull(docker, after.name);
  if (existing) return { ...after } as Attributes;
  if (after.external) {
    throw new UserError("E_EXTERNAL_VOLUME", `volume ${after.name} is declared external but does not exist`, { address });
  }
  await docker.createVolume({
    Name: after.name,
    Driver: after.driver ?? "local",
    DriverOpts: after.driver_opts,
    Labels: { ...after.labels, [LABEL_PROJECT]: project, "berth.volume": address.slice("volume.".length) },
  });
  return { ...after } as Attributes;
}

/** Only ever reached when the plan named it: destroy --volumes, or --allow-destroy. External ones are only forgotten. */
async function deleteVolume(docker: Docker, before: VolumeAttributes, address: string): Promise<void> {
  if (before.external) return;
  try {
    await docker.getVolume(before.name).remove();
  } catch (e) {
    const status = engineStatus(e);
    if (status === 404) return;
    if (status === 409) {
      throw new UserError("E_VOLUME_IN_USE", `volume ${before.name} is still used by a container Berth does not manage; it was kept`, { address });
    }
    throw e;
  }
}

/** The volume, or null when the engine has none of that name. */
export async function inspectVolumeOrNull(docker: Docker, name: string): Promise<unknown> {
  try {
    return await docker.getVolume(name).inspect();
  } catch (e) {
    if (engineStatus(e) === 404) return null;
    throw e;
  }
}
