import type Docker from "dockerode";
import type { KeepContext } from "../../src/core/provider.js";
import type { Attributes, DesiredResource } from "../../src/core/types.js";
import { engineStatus } from "../../src/clients/docker.js";

/**
 * Images of applied configurations are kept by a tag of their own,
 * `berth-keep/<project>:<serial>-<service>`: when the service's tag moves on (a rebuild, a new
 * push under the same tag), the image it ran is not left dangling, so `docker image prune` leaves
 * it and `berth rollback` runs the same bits. (`docker image prune -a` removes every image no
 * container uses, whatever its tags: nothing a tag can keep from it.)
 */
export const KEEP_REPOSITORY = "berth-keep";

export function keepReference(project: string, serial: number, service: string): { repo: string; tag: string; ref: string } {
  const repo = `${KEEP_REPOSITORY}/${project}`;
  // A tag is at most 128 characters of [A-Za-z0-9_.-], which service names are made of.
  const tag = `${serial}-${service}`.slice(0, 128);
  return { repo, tag, ref: `${repo}:${tag}` };
}

/**
 * Tags each container's image and pins the container to that tag and image ID. Built images are
 * left out: the pinned containers need no build, and a build follows the template's files.
 */
export async function keepImages(docker: Docker, ctx: KeepContext): Promise<DesiredResource[]> {
  const recorded = new Map(ctx.recorded.map((r) => [r.address, r]));
  const tagged = new Map<string, string>();
  const pinned: DesiredResource[] = [];
  for (const d of ctx.desired) {
    if (d.type === "image") continue;
    const imageId = recorded.get(d.address)?.attributes.image_id;
    if (d.type !== "container" || typeof imageId !== "string") {
      pinned.push(d);
      continue;
    }
    const keep = keepReference(ctx.project, ctx.serial, String(d.attributes.service));
    if (tagged.get(keep.ref) !== imageId) {
      await docker.getImage(imageId).tag({ repo: keep.repo, tag: keep.tag });
      tagged.set(keep.ref, imageId);
    }
    const { references: _resolvedNow, ...rest } = d;
    pinned.push({ ...rest, attributes: { ...d.attributes, image_id: imageId, [KEPT_IMAGE]: keep.ref } });
  }
  return pinned;
}

/**
 * Where a pinned container says which tag keeps its image. Never seen by the planner:
 * resolvePinned takes it out before planning.
 */
export const KEPT_IMAGE = "kept_image";

/**
 * A pinned container as the plan wants it: under its own image name while that still names the
 * pinned image (so a service whose image did not change is not replaced), else under the keep-tag,
 * which runs the same bits. The image ID stays the pinned one either way. Pure.
 */
export function resolvePinned(attrs: Attributes, currentId: (ref: string) => string | null): Attributes {
  const { [KEPT_IMAGE]: kept, ...rest } = attrs;
  if (currentId(String(rest.image)) === rest.image_id) return rest;
  // The kept tag exists only here: nothing to pull.
  return { ...rest, image: kept as string, ...(rest.pull_policy === "always" ? { pull_policy: "missing" } : {}) };
}

/** Removes the keep-tags of configurations no longer in the history; an image a container still runs stays. */
export async function releaseKeptImages(docker: Docker, project: string, keptSerials: readonly number[]): Promise<void> {
  const repo = `${KEEP_REPOSITORY}/${project}`;
  const keep = new Set(keptSerials.map(String));
  const images = await docker.listImages({ filters: { reference: [repo] } });
  const stale = images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:`) && !keep.has(t.slice(repo.length + 1).split("-")[0]));
  for (const ref of stale) {
    try {
      await docker.getImage(ref).remove({ noprune: true });
    } catch (e) {
      // 409: a container still runs it as its only tag; it is released once that container is gone.
      if (engineStatus(e) !== 404 && engineStatus(e) !== 409) throw e;
    }
  }
}
