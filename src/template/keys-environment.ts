import path from "node:path";
import { isMap, isSeq } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import { parseDotenv, readTextFile } from "./dotenv.js";
import { readKeyValues } from "./key-values.js";
import type { LoadContext, YamlNode } from "./load-context.js";
import type { KeyReader } from "./service-draft.js";
import { SourceText } from "./source-text.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems } from "./yaml-nodes.js";

/**
 * `environment:` as a list ("K=V", "K") or a map. A key written without a value takes it
 * from the shell environment as compose does, and is left out of the container when that has
 * none (compose's rule: unset, not empty).
 */
export const readEnvironment: KeyReader = (input, draft) => {
  const { ctx } = input;
  for (const entry of readKeyValues(ctx, "environment", input.value, input.valueLoc)) {
    const value = entry.value ?? ctx.settings.env[entry.key];
    if (value !== undefined) draft.envFromKey[entry.key] = value;
  }
};

/** `env_file:` one path or a list (items may be {path, required}); paths are relative to the template. */
export const readEnvFile: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return;
  const items = isSeq(value) ? seqItems(ctx, value) : [value];
  for (const item of items) {
    const ref = envFileRef(ctx, item, input.valueLoc);
    if (ref) Object.assign(draft.envFromFiles, readEnvFileAt(ctx, ref.path, ref.required, ctx.loc(item, input.valueLoc), ctx.dirOf(item ?? value)));
  }
};

function envFileRef(ctx: LoadContext, item: YamlNode, at: SourceLoc): { path: string; required: boolean } | null {
  const text = scalarText(item);
  if (text !== undefined && text !== "") return { path: text, required: true };
  if (isMap(item)) {
    const fields = new Map(mapEntries(ctx, item).map((e) => [e.key, e.value]));
    const file = scalarText(fields.get("path") ?? null);
    const required = scalarText(fields.get("required") ?? null) ?? "true";
    if (file && (required === "true" || required === "false")) return { path: file, required: required === "true" };
  }
  ctx.error("E_TYPE", `env_file entries must be a path or {path, required}, got ${describe(item)}`, ctx.loc(item, at));
  return null;
}

/** `dir`: the folder of the file that names it (an extended or included file's own). */
function readEnvFileAt(ctx: LoadContext, file: string, required: boolean, at: SourceLoc, dir: { dir: string; shownDir: string }): Record<string, string> {
  const absolute = path.resolve(dir.dir, file);
  const shown = path.isAbsolute(file) ? file : path.join(dir.shownDir, file);
  const read = readTextFile(absolute);
  if (read.text === null) {
    if (required || !read.missing) ctx.error("E_ENV_FILE", `cannot read env_file '${file}' (${shown}): ${read.reason}`, at);
    return {};
  }
  ctx.hashedFiles.push({ file: path.relative(ctx.settings.dir, absolute), text: read.text });
  const parsed = parseDotenv(new SourceText(shown, read.text), "E_ENV_FILE", (key) => ctx.settings.env[key]);
  ctx.diagnostics.push(...parsed.problems);
  return parsed.values;
}
