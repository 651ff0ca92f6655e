import path from "node:path";
import { isMap, isScalar, isSeq } from "yaml";
import type { KeyReader } from "./service-draft.js";
import type { FileKind, ServiceFile } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems } from "./yaml-nodes.js";

const LONG_FORM = ["source", "target", "uid", "gid", "mode"];

/** Where compose mounts a secret or config when no target is given, and how relative targets read. */
export function defaultTarget(kind: FileKind, key: string, target: string | null): string {
  if (kind === "secret") return target === null ? `/run/secrets/${key}` : path.posix.resolve("/run/secrets", target);
  return target === null ? `/${key}` : path.posix.resolve("/", target);
}

/** Service `secrets:` / `configs:`: names, or {source, target, uid, gid, mode}. */
export function fileReader(kind: FileKind): KeyReader {
  return (input, draft) => {
    const { ctx, value } = input;
    if (isNullNode(value)) return;
    if (!isSeq(value)) {
      ctx.error("E_TYPE", `${input.key} must be a list of names or {source, target}, got ${describe(value)}`, input.valueLoc);
      return;
    }
    for (const item of seqItems(ctx, value)) {
      const loc = ctx.loc(item, input.valueLoc);
      const name = scalarText(item);
      if (name !== undefined) {
        draft.spec.files.push({ kind, key: name, target: defaultTarget(kind, name, null), uid: null, gid: null, mode: 0o444, loc });
        continue;
      }
      if (!isMap(item)) {
        ctx.error("E_TYPE", `${input.key} entries must be names or {source, target, uid, gid, mode}, got ${describe(item)}`, loc);
        continue;
      }
      const file: ServiceFile = { kind, key: "", target: "", uid: null, gid: null, mode: 0o444, loc };
      let target: string | null = null;
      for (const e of mapEntries(ctx, item)) {
        const text = scalarText(e.value);
        if (!LONG_FORM.includes(e.key)) ctx.error("E_UNSUPPORTED_KEY", `${input.key}: '${e.key}' is not supported by Berth (supported: ${LONG_FORM.join(", ")})`, e.keyLoc);
        else if (text === undefined) ctx.error("E_TYPE", `${input.key}.${e.key} must be a string or number, got ${describe(e.value)}`, e.valueLoc);
        else if (e.key === "source") file.key = text;
        else if (e.key === "target") target = text;
        else if (e.key === "mode") {
          // Compose reads YAML 1.1, where 0440 is octal; YAML 1.2 reads it as 440. The text as written decides.
          const written = isScalar(e.value) && e.value.type === "PLAIN" && typeof e.value.source === "string" ? e.value.source : text;
          const mode = /^0o?[0-7]+$/.test(written) ? Number.parseInt(written.replace(/^0o?/, ""), 8) : /^\d+$/.test(written) ? Number(written) : NaN;
          if (Number.isInteger(mode) && mode >= 0 && mode <= 0o777) file.mode = mode;
          else ctx.error("E_TYPE", `${input.key}.mode must be a file mode like 0440, got ${describe(e.value)}`, e.valueLoc);
        } else if (/^\d+$/.test(text)) file[e.key as "uid" | "gid"] = text;
        else ctx.error("E_TYPE", `${input.key}.${e.key} must be a number, got ${describe(e.value)}`, e.valueLoc);
      }
      if (!file.key) {
        ctx.error("E_TYPE", `${input.key} entries need source: the name of a top-level ${input.key} entry`, loc);
        continue;
      }
      file.target = defaultTarget(kind, file.key, target);
      draft.spec.files.push(file);
    }
  };
}
