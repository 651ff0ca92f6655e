import { isMap } from "yaml";
import { wholeNumber } from "./key-helpers.js";
import { readDeployKey } from "./keys-deploy.js";
import type { KeyReader } from "./service-draft.js";
import { describe, mapEntries, scalarText } from "./yaml-nodes.js";

/** `scale: N` (compose v2 spelling of aliyun.scale). */
export const readScale: KeyReader = (input, draft) => {
  const scale = wholeNumber(scalarText(input.value), 0);
  if (scale === null) input.ctx.error("E_SCALE", `scale must be a whole number ≥ 0, got ${describe(input.value)}`, input.valueLoc);
  else draft.scales.push({ setting: "scale", value: scale, loc: input.valueLoc });
};

/** `deploy:` replicas here; resources, restart_policy and the swarm-only rest in keys-deploy.ts. */
export const readDeploy: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  if (!isMap(value)) {
    ctx.error("E_TYPE", `deploy must be a map (replicas, resources, restart_policy), got ${describe(value)}`, input.valueLoc);
    return;
  }
  for (const entry of mapEntries(ctx, value)) {
    if (entry.key !== "replicas") {
      readDeployKey(ctx, entry, draft, input.service);
      continue;
    }
    const replicas = wholeNumber(scalarText(entry.value), 0);
    if (replicas === null) ctx.error("E_SCALE", `deploy.replicas must be a whole number ≥ 0, got ${describe(entry.value)}`, entry.valueLoc);
    else draft.scales.push({ setting: "deploy.replicas", value: replicas, loc: entry.valueLoc });
  }
};
