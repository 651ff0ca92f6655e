import type { LoadContext } from "./load-context.js";
import type { ServiceDraft } from "./service-draft.js";

/**
 * The replica count may be written as aliyun.scale, scale or deploy.replicas. Any of them
 * will do, but when several are written they must say the same thing: silently picking
 * one would deploy a number of containers the author did not mean.
 */
export function settleScale(ctx: LoadContext, draft: ServiceDraft): void {
  const [first, ...others] = draft.scales;
  const aliyun = draft.spec.aliyun;
  if (first) aliyun.scale = first.value;
  for (const other of others) {
    if (other.value !== first.value) {
      ctx.error(
        "E_SCALE",
        `${other.setting} is ${other.value} but ${first.setting} is ${first.value} (line ${first.loc.line}); they must agree`,
        other.loc,
      );
    }
  }
  if (aliyun.global) aliyun.scale = 1;
}
