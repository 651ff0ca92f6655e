import { IGNORE_CHANGES_LABEL, SCALE_PATH, parseIgnoreChanges } from "../core/lifecycle.js";
import type { LoadContext } from "./load-context.js";
import type { ServiceDraft } from "./service-draft.js";

/**
 * What `berth.ignore_changes` may name: the replica count, and the service keys a container
 * carries under the same name (a test checks each against what the model makes). A map key
 * may name one of its entries: `environment.FEATURE_X`, `labels.team`.
 */
export const IGNORABLE = [
  SCALE_PATH,
  "image",
  "environment",
  "labels",
  "command",
  "entrypoint",
  "restart",
  "ports",
  "expose",
  "volumes",
  "extra_hosts",
  "healthcheck",
  "hostname",
  "user",
  "working_dir",
  "mem_limit",
  "mem_reservation",
  "memswap_limit",
  "cpus",
  "cpu_shares",
  "pids_limit",
] as const;
const MAPS = new Set(["environment", "labels"]);

/** Checks `berth.ignore_changes`: every name must be one Berth can leave as it is. */
export function readBerthLabels(ctx: LoadContext, draft: ServiceDraft): void {
  const label = draft.labels.find((l) => l.key === IGNORE_CHANGES_LABEL);
  if (!label) return;
  const entries = parseIgnoreChanges(label.value ?? "");
  if (entries.length === 0) ctx.error("E_IGNORE_CHANGES", `${IGNORE_CHANGES_LABEL} must list attributes, like scale, environment.FEATURE_X`, label.keyLoc);
  for (const entry of entries) {
    const [attribute, key] = entry.path;
    const loc = label.valueLocAt(entry.index);
    if (!(IGNORABLE as readonly string[]).includes(attribute)) {
      ctx.error("E_IGNORE_CHANGES", `${IGNORE_CHANGES_LABEL}: '${entry.text}' is no attribute Berth can ignore (${IGNORABLE.join(", ")}; environment.<KEY>, labels.<KEY>)`, loc);
    } else if (attribute === SCALE_PATH && draft.spec.aliyun.routes.length > 0) {
      // The router's upstream lists the template's count of replicas: it would never match.
      ctx.error("E_IGNORE_CHANGES", `${IGNORE_CHANGES_LABEL}: scale cannot be ignored on a routed service (its upstream lists aliyun.scale's replicas)`, loc);
    } else if (key !== undefined && (!MAPS.has(attribute) || key === "")) {
      ctx.error("E_IGNORE_CHANGES", `${IGNORE_CHANGES_LABEL}: '${entry.text}' names an entry, but only environment and labels have entries`, loc);
    }
  }
}
