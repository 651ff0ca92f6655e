import { existsSync } from "node:fs";
import path from "node:path";
import type Docker from "dockerode";
import { pack } from "tar-fs";
import { UserError } from "../../src/core/errors.js";
import { LABEL_IMAGE_SERVICE, LABEL_PROJECT, type ImageAttributes } from "./attributes.js";
import { ignoreStatus } from "../../src/clients/docker.js";
import { DOCKERIGNORE, readBuildContext, readDockerfile } from "./build-context.js";

/** Where a Dockerfile that is not a file of the context (inline, or outside it) is put in the tar. */
const SENT_DOCKERFILE = ".berth.Dockerfile";

interface BuildMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Builds an image with the engine's classic builder from the files .dockerignore keeps (the same
 * files the plan digested), streaming the builder's output line by line to `log`. Returns the ID.
 */
export async function buildImage(docker: Docker, attrs: ImageAttributes, address: string, log: (line: string) => void): Promise<string> {
  const context = await readBuildContext(attrs.context, attrs.dockerfile, address);
  // What is built is what was planned: a file changed since (a saved plan applied later) is refused.
  if (attrs.context_digest !== null && attrs.context_digest !== context.digest) {
    const changed = changedFiles(attrs.files ?? {}, context.files);
    throw new UserError(
      "E_PLAN_STALE",
      `the build context ${attrs.context} changed since the plan${changed.length ? ` (${changed.slice(0, 5).join(", ")}${changed.length > 5 ? ", ..." : ""})` : ""}; run \`berth plan\` again`,
      { address },
    );
  }
  const sentDockerfile = await dockerfileOutsideContext(attrs, context.dockerfileInContext, address);
  const entries = context.entries.map((e) => e.path);
  // The builder reads .dockerignore itself to leave an ignored Dockerfile out of COPY . (as the docker CLI sends it).
  if (!entries.includes(DOCKERIGNORE) && existsSync(path.join(attrs.context, DOCKERIGNORE))) entries.push(DOCKERIGNORE);
  log(`building ${attrs.tag} from ${attrs.context} (${entries.length} entries)`);
  const tar = pack(attrs.context, {
    // A copy: tar-fs consumes the list it is given.
    entries: [...entries],
    // Every path is listed: a listed folder must not bring in what .dockerignore left out.
    ignore: () => true,
    finalize: sentDockerfile === null,
    finish: (p) => {
      if (sentDockerfile === null) return;
      p.entry({ name: SENT_DOCKERFILE, mode: 0o644 }, sentDockerfile);
      p.finalize();
    },
  });
  const stream = await docker.buildImage(tar, buildOptions(attrs, sentDockerfile === null ? context.dockerfileInContext! : SENT_DOCKERFILE));
  const messages = await followBuild(docker, stream, log);
  const failed = messages.find((m) => m.error || m.errorDetail);
  if (failed) {
    const why = (failed.errorDetail?.message ?? failed.error ?? "").trim();
    throw new UserError("E_BUILD", `building image ${attrs.tag} for service ${attrs.service} failed: ${why}`, { address });
  }
  return (await docker.getImage(attrs.tag).inspect()).Id;
}

function changedFiles(planned: Record<string, string>, now: Record<string, string>): string[] {
  return [...new Set([...Object.keys(planned), ...Object.keys(now)])].filter((f) => planned[f] !== now[f]).sort();
}

/** The engine's build parameters. A key left undefined would still be sent, empty: only set ones are given. */
function buildOptions(attrs: ImageAttributes, dockerfile: string): Docker.ImageBuildOptions {
  const options: Record<string, unknown> = {
    t: attrs.tag,
    dockerfile,
    buildargs: attrs.args,
    labels: { ...attrs.labels, [LABEL_PROJECT]: attrs.project, [LABEL_IMAGE_SERVICE]: attrs.service },
    rm: true,
    forcerm: true,
    version: "1",
  };
  if (attrs.target !== null) options.target = attrs.target;
  if (attrs.network !== null) options.networkmode = attrs.network;
  if (attrs.shm_size !== null) options.shmsize = attrs.shm_size;
  // The engine reads each host:ip as its own query parameter.
  if (attrs.extra_hosts.length > 0) options.extrahosts = attrs.extra_hosts;
  return options as Docker.ImageBuildOptions;
}

/** The text to send as the Dockerfile when it is not a file of the context; null when it is. */
async function dockerfileOutsideContext(attrs: ImageAttributes, inContext: string | null, address: string): Promise<string | null> {
  if (attrs.dockerfile_inline !== null) return attrs.dockerfile_inline;
  if (inContext !== null || attrs.dockerfile === null) return null;
  return readDockerfile(path.resolve(attrs.context, attrs.dockerfile), address);
}

function followBuild(docker: Docker, stream: NodeJS.ReadableStream, log: (line: string) => void): Promise<BuildMessage[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: BuildMessage[]) => (err ? reject(err) : resolve(output)),
      (event: BuildMessage) => {
        for (const line of (event.stream ?? "").split("\n")) if (line.trim() !== "") log(line.trimEnd());
      },
    );
  });
}

/**
 * Removes the images Berth built for a service (labelled with its project and service), except
 * `keep`. One still used by a container (a replacement that has not rolled out yet) stays: the
 * engine refuses, and the next build tries again.
 */
export async function removeBuiltImages(docker: Docker, project: string, service: string, keep: string | null): Promise<void> {
  const images = await docker.listImages({ filters: { label: [`${LABEL_PROJECT}=${project}`, `${LABEL_IMAGE_SERVICE}=${service}`] } });
  for (const image of images) {
    if (image.Id === keep) continue;
    for (const tag of image.RepoTags ?? []) {
      if (!tag.startsWith("<none>")) await ignoreStatus([404, 409], () => docker.getImage(tag).remove());
    }
    await ignoreStatus([404, 409], () => docker.getImage(image.Id).remove());
  }
}
