import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import { engineStatus, errorMessage } from "../../src/clients/docker.js";

/**
 * One spelling per image reference, as the engine lists tags: "web" → "web:latest",
 * "docker.io/library/web:1" → "web:1", "docker.io/me/web" → "me/web:latest".
 */
export function normalizeImageRef(ref: string): string {
  const at = ref.indexOf("@");
  const [name, digest] = at >= 0 ? [ref.slice(0, at), ref.slice(at)] : [ref, ""];
  const short = stripDefaultRegistry(name);
  if (digest) return short + digest;
  const hasTag = short.lastIndexOf(":") > short.lastIndexOf("/");
  return hasTag ? short : `${short}:latest`;
}

function stripDefaultRegistry(name: string): string {
  let short = name;
  for (const registry of ["docker.io/", "index.docker.io/", "registry-1.docker.io/"]) {
    if (short.startsWith(registry)) short = short.slice(registry.length);
  }
  return short.startsWith("library/") ? short.slice("library/".length) : short;
}

/** Image ID by every name the engine knows it under: tags, digests and the ID itself. */
export function indexImages(images: Docker.ImageInfo[]): Map<string, string> {
  const byRef = new Map<string, string>();
  for (const image of images) {
    byRef.set(image.Id, image.Id);
    for (const ref of [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])]) {
      if (!ref.startsWith("<none>")) byRef.set(normalizeImageRef(ref), image.Id);
    }
  }
  return byRef;
}

export function lookupImageId(byRef: ReadonlyMap<string, string>, ref: string): string | null {
  return byRef.get(ref) ?? byRef.get(normalizeImageRef(ref)) ?? null;
}

/** Whether the engine has `image` (by tag, digest or ID). */
export async function hasImage(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (e) {
    if (engineStatus(e) !== 404) throw e;
    return false;
  }
}

/**
 * Make sure `image` is present as its pull_policy says: `missing` (the default) pulls it when it
 * is not, `always` pulls every time, `never` only checks. A pull that fails (no registry
 * reachable, unknown name) is the user's to fix: E_IMAGE naming the service.
 */
export async function ensureImage(
  docker: Docker,
  image: string,
  who: { service: string; address: string; pullPolicy?: "always" | "missing" | "never"; knownId?: string | null },
  log: (message: string) => void,
): Promise<void> {
  const policy = who.pullPolicy ?? "missing";
  // The plan resolved the tag to an image ID on this engine: it is here, no need to ask again.
  if (policy !== "always" && (who.knownId || (await hasImage(docker, image)))) return;
  if (policy === "never") {
    throw new UserError("E_IMAGE", `service ${who.service}: image '${image}' is not available locally and pull_policy: never forbids pulling it`, {
      address: who.address,
    });
  }
  log(`pulling image ${image}${policy === "always" ? " (pull_policy: always)" : ""}`);
  try {
    await pull(docker, image);
  } catch (e) {
    throw new UserError(
      "E_IMAGE",
      policy === "always"
        ? `service ${who.service}: pull_policy: always, but image '${image}' could not be pulled: ${errorMessage(e)}`
        : `service ${who.service}: image '${image}' is not available locally and could not be pulled: ${errorMessage(e)}`,
      { address: who.address },
    );
  }
}

/** Pull and follow the progress stream to its end: an error can arrive as its last message. */
async function pull(docker: Docker, image: string): Promise<void> {
  const stream = await docker.pull(image);
  const messages = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) => {
    docker.modem.followProgress(stream, (err, output) => (err ? reject(err) : resolve(output)));
  });
  const failed = messages.find((m) => m.error || m.errorDetail);
  if (failed) throw new Error(failed.errorDetail?.message ?? failed.error);
}
