import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import type { ResourceChange } from "../../src/core/plan.js";
import type { ApplyContext } from "../../src/core/provider.js";
import type { Attributes, DesiredResource, Observed, RecordedResource } from "../../src/core/types.js";
import type { ImageAttributes } from "./attributes.js";
import { readBuildContext } from "./build-context.js";
import { buildImage, removeBuiltImages } from "./image-build.js";
import { hasImage, indexImages, lookupImageId } from "./images.js";

/**
 * image.<service>: an image built from `build:`. Only images Berth builds from their context are
 * digested; with pull_policy missing or never (or --no-build) the files decide nothing.
 */
export function digestBuildContexts(desired: DesiredResource[]): Promise<DesiredResource[]> {
  return Promise.all(
    desired.map(async (r) => {
      const attrs = r.attributes as ImageAttributes;
      if (r.type !== "image" || attrs.policy !== "build") return r;
      const context = await readBuildContext(attrs.context, attrs.dockerfile, r.address);
      return { ...r, attributes: { ...r.attributes, context_digest: context.digest, files: context.files } };
    }),
  );
}

/** An image is there when its tag is; a tag moved by someone else is drift (built again on apply). */
export async function observeImages(docker: Docker, recorded: readonly RecordedResource[]): Promise<Observed[]> {
  const images = recorded.filter((r) => r.type === "image");
  if (images.length === 0) return [];
  const byRef = indexImages(await docker.listImages());
  return images.flatMap((image): Observed[] => {
    const imageId = lookupImageId(byRef, String(image.attributes.tag));
    return imageId ? [{ address: image.address, type: "image", attributes: { image_id: imageId } }] : [];
  });
}

/** Build (or find, as the policy says) the image; a replacement builds first, then lets the old image go. */
export async function applyImage(docker: Docker, change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
  const before = change.before as ImageAttributes | null;
  const after = change.after as ImageAttributes | null;
  if (change.actions[0] === "no-op") return change.before;
  if (change.actions[0] === "delete" && change.actions.length === 1) {
    if (before) await removeBuiltImages(docker, before.project, before.service, null);
    return null;
  }
  if (!after) throw new Error(`${change.address}: ${change.actions.join(",")} needs after attributes`);
  if (change.actions[0] === "update") {
    // Where the context lives or whether a later apply may build: nothing to do to the image.
    return asAttributes({ ...after, image_id: after.image_id ?? before?.image_id ?? null });
  }
  // create, or a replacement: the new image is built first; the old one stays while containers run it.
  return asAttributes({ ...after, image_id: await produceImage(docker, after, change.address, ctx) });
}

async function produceImage(docker: Docker, attrs: ImageAttributes, address: string, ctx: ApplyContext): Promise<string> {
  if (attrs.policy !== "build" && (await hasImage(docker, attrs.tag))) {
    ctx.log(`using the image ${attrs.tag} already there (${attrs.policy === "never" ? "not building" : "pull_policy: missing"})`);
    return (await docker.getImage(attrs.tag).inspect()).Id;
  }
  if (attrs.policy === "never") {
    throw new UserError(
      "E_NO_BUILD",
      `image '${attrs.tag}' of service ${attrs.service} is not there, and it may not be built (--no-build, or pull_policy: never); apply without --no-build to build it`,
      { address },
    );
  }
  const imageId = await buildImage(docker, attrs, address, (line) => ctx.log(line));
  // Earlier builds of the service no container uses any more go; the one the old containers still run stays until next time.
  await removeBuiltImages(docker, attrs.project, attrs.service, imageId);
  return imageId;
}

/** Attribute interfaces hold JSON values only; TypeScript cannot see that through their index signature. */
function asAttributes(attrs: ImageAttributes): Attributes {
  return attrs as unknown as Attributes;
}
