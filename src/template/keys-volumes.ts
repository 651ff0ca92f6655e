import { isMap, isSeq, type YAMLMap } from "yaml";
import type { LoadContext } from "./load-context.js";
import type { KeyReader } from "./service-draft.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems } from "./yaml-nodes.js";

/**
 * `volumes:` short strings are kept exactly as written (the Docker provider hands them to
 * the engine). The long form {type, source, target, read_only} is turned into that string.
 */
export const readVolumes: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return;
  if (!isSeq(value)) {
    ctx.error("E_TYPE", `volumes must be a list like ['/data', 'name:/data', './dir:/data:ro'], got ${describe(value)}`, input.valueLoc);
    return;
  }
  for (const item of seqItems(ctx, value)) {
    const volume = isMap(item) ? longVolume(ctx, item) : scalarText(item);
    if (volume === undefined || volume === "") {
      ctx.error("E_TYPE", `volumes entries must be strings like 'name:/data' or maps with target, got ${describe(item)}`, ctx.loc(item, input.valueLoc));
    } else if (volume !== null) {
      draft.spec.volumes.push(volume);
    }
  }
};

/** null: already reported. */
function longVolume(ctx: LoadContext, item: YAMLMap): string | null {
  const fields = new Map(mapEntries(ctx, item).map((e) => [e.key, e]));
  const target = scalarText(fields.get("target")?.value ?? null);
  if (!target) {
    ctx.error("E_TYPE", `a long-form volume needs target: a path in the container, got ${describe(fields.get("target")?.value ?? null)}`, ctx.loc(item));
    return null;
  }
  const source = scalarText(fields.get("source")?.value ?? null);
  const readOnly = scalarText(fields.get("read_only")?.value ?? null) === "true";
  return [source, target].filter(Boolean).join(":") + (readOnly ? ":ro" : "");
}
