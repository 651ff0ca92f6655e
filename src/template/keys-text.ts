import { readText } from "./key-helpers.js";
import { describe, isNullNode } from "./yaml-nodes.js";
import type { KeyReader } from "./service-draft.js";

/** Keys that hold one piece of text. */

export const readImage: KeyReader = (input, draft) => {
  const image = readText(input);
  if (image === "" || (image === null && isNullNode(input.value))) {
    input.ctx.error("E_NO_IMAGE", `image must name an image like 'nginx:latest', got ${describe(input.value)}`, input.valueLoc);
  } else {
    draft.spec.image = image;
  }
};

export const readHostname: KeyReader = (input, draft) => {
  draft.spec.hostname = readText(input);
};

export const readWorkingDir: KeyReader = (input, draft) => {
  draft.spec.workingDir = readText(input);
};

export const readUser: KeyReader = (input, draft) => {
  draft.spec.user = readText(input, true);
};

const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;

export const readRestart: KeyReader = (input, draft) => {
  const restart = readText(input);
  if (restart === null) return;
  if (RESTART.test(restart)) draft.spec.restart = restart;
  else input.ctx.error("E_RESTART", `restart must be no, always, on-failure[:N] or unless-stopped, got '${restart}'`, input.valueLoc);
};

/** container_name: Docker's own name rule; one replica only (checked once the scale is known). */
export const readContainerName: KeyReader = (input, draft) => {
  const name = readText(input);
  if (name === null) return;
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) draft.spec.containerName = name;
  else input.ctx.error("E_CONTAINER_NAME", `container_name must be a Docker container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+), got '${name}'`, input.valueLoc);
};
