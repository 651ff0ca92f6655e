import { isMap } from "yaml";
import { readKeyValues } from "./key-values.js";
import type { KeyReader } from "./service-draft.js";
import type { BuildSpec } from "./types.js";
import { describe, mapEntries, scalarText } from "./yaml-nodes.js";

/** `build:` a context path, or {context, dockerfile, args}; other build options are not used by Berth. */
export const readBuild: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  const asText = scalarText(value);
  if (typeof asText === "string" && asText !== "") {
    draft.spec.build = { context: asText, dockerfile: null, args: {} };
    return;
  }
  if (!isMap(value)) {
    ctx.error("E_TYPE", `build must be a context path or a map with context, dockerfile, args; got ${describe(value)}`, input.valueLoc);
    return;
  }
  const build: BuildSpec = { context: ".", dockerfile: null, args: {} };
  for (const entry of mapEntries(ctx, value)) {
    const text = scalarText(entry.value);
    if (entry.key === "context" || entry.key === "dockerfile") {
      if (text === undefined || text === "") ctx.error("E_TYPE", `build.${entry.key} must be a path, got ${describe(entry.value)}`, entry.valueLoc);
      else if (entry.key === "context") build.context = text;
      else build.dockerfile = text;
    } else if (entry.key === "args") {
      for (const arg of readKeyValues(ctx, "build.args", entry.value, entry.valueLoc)) {
        build.args[arg.key] = arg.value ?? ctx.settings.env[arg.key] ?? "";
      }
    } else {
      ctx.warn("W_IGNORED", `build.${entry.key} is not used by Berth (ignored)`, entry.keyLoc);
    }
  }
  draft.spec.build = build;
};
