import { isMap, isSeq } from "yaml";
import type { LoadContext, YamlNode } from "./load-context.js";
import type { KeyReader } from "./service-draft.js";
import { REFUSED_SERVICE_KEYS } from "./compose-keys.js";
import { isNullNode, mapEntries, scalarText, seqItems } from "./yaml-nodes.js";

/**
 * `networks:` on a service. Berth puts every container on the one project network, so the only
 * honest forms are the ones that ask for exactly that: nothing, `[default]`, `{default: {}}`.
 * Anything else would be ignored, so it is refused (compose-keys.ts says why).
 */
export const readServiceNetworks: KeyReader = (input) => {
  if (asksOnlyForDefault(input.ctx, input.value)) return;
  input.ctx.error(
    "E_UNSUPPORTED_KEY",
    `service '${input.service}': 'networks' is not supported by Berth: ${REFUSED_SERVICE_KEYS.networks}`,
    input.keyLoc,
  );
};

/** True for no networks or `default` alone without options: what Berth does anyway. */
export function asksOnlyForDefault(ctx: LoadContext, value: YamlNode): boolean {
  if (isNullNode(value)) return true;
  if (isSeq(value)) return seqItems(ctx, value).every((item) => scalarText(item) === "default");
  if (isMap(value)) return mapEntries(ctx, value).every((e) => e.key === "default" && isEmpty(e.value));
  return false;
}

function isEmpty(value: YamlNode): boolean {
  return isNullNode(value) || (isMap(value) && value.items.length === 0);
}
