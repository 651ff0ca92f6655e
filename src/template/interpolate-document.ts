import { visit, type Document, type Scalar } from "yaml";
import type { LoadContext } from "./load-context.js";
import { interpolate } from "./interpolate.js";

/**
 * Substitutes variables in every string value of the document in place, before anything
 * reads it, as compose does. Keys are left alone. Nodes keep their ranges, so later
 * errors about a substituted value still point at the line it was written on.
 */
export function interpolateDocument(ctx: LoadContext, doc: Document, env: Record<string, string | undefined>): void {
  visit(doc, {
    Scalar(key, node) {
      if (key === "key" || typeof node.value !== "string" || !node.value.includes("$")) return;
      interpolateScalar(ctx, node as Scalar<string>, env);
    },
  });
}

function interpolateScalar(ctx: LoadContext, node: Scalar<string>, env: Record<string, string | undefined>): void {
  const original = node.value;
  const { value, problems, origin } = interpolate(original, env);
  for (const problem of problems) {
    const where = ctx.locWithin(node, problem.index);
    if (problem.severity === "error") ctx.error("E_INTERPOLATION", problem.message, where);
    else ctx.warn("W_UNSET_VARIABLE", problem.message, where);
  }
  if (problems.some((p) => p.severity === "error")) ctx.markUnknown(node);
  node.value = value;
  ctx.rememberInterpolation(node, original, origin);
}

