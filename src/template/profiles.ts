import type { LoadContext } from "./load-context.js";
import { readScalarList } from "./key-helpers.js";
import type { KeyReader, ServiceDraft } from "./service-draft.js";

const PROFILE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** `profiles: [debug, tools]`: the service runs only when one of them is enabled. */
export const readProfiles: KeyReader = (input, draft) => {
  for (const item of readScalarList(input, "profile names")) {
    if (PROFILE.test(item.text)) draft.spec.profiles.push(item.text);
    else input.ctx.error("E_VALUE", `profiles entries must be names of letters, digits, '_', '.' and '-', got '${item.text}'`, input.ctx.loc(item.node, input.valueLoc));
  }
};

export interface ProfileSelection {
  /** Enabled profiles (--profile, COMPOSE_PROFILES); "*" enables every one. */
  profiles: readonly string[];
  /** Services named on the command line (--target container.NAME): active whatever their profiles, as in compose. */
  services: readonly string[];
}

/**
 * The services that run: those without profiles, those with an enabled profile, those targeted
 * by name. An active service may not need an inactive one (compose's rule): that is an error
 * naming both, at the reference.
 */
export function activeServices(ctx: LoadContext, drafts: ServiceDraft[], selection: ProfileSelection): ServiceDraft[] {
  const enabled = new Set(selection.profiles);
  const isActive = (draft: ServiceDraft) =>
    draft.spec.profiles.length === 0 ||
    enabled.has("*") ||
    draft.spec.profiles.some((p) => enabled.has(p)) ||
    selection.services.includes(draft.spec.name);
  const active = drafts.filter(isActive);
  const inactive = new Map(drafts.filter((d) => !isActive(d)).map((d) => [d.spec.name, d]));
  for (const draft of active) {
    for (const ref of draft.references) {
      const needed = inactive.get(ref.service);
      if (!needed) continue;
      const profiles = needed.spec.profiles;
      ctx.error(
        "E_PROFILE",
        `service '${draft.spec.name}' needs '${ref.service}' (${ref.kind}), which is not active: enable its profile ${profiles.map((p) => `'${p}'`).join(" or ")} (--profile ${profiles[0]} or COMPOSE_PROFILES)`,
        ref.loc,
      );
    }
  }
  return active;
}
