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

export const readContainerName: KeyReader = (input) => {
  readText(input);
  input.ctx.warn(
    "W_IGNORED",
    "container_name is ignored: Berth names containers itself (<project>_<service>_<n>) so replicas and projects never collide",
    input.keyLoc,
  );
};
