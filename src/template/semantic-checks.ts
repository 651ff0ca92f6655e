import type { SourceLoc } from "../core/errors.js";
import type { LoadContext } from "./load-context.js";
import type { ServiceDraft } from "./service-draft.js";

/**
 * Checks that need every service at once: references to services that exist (in the whole
 * file), and host ports and container names nobody else has claimed (among the services that
 * run: two profiles may well offer the same port). Dependency cycles are the model's to find.
 */
export function checkAcrossServices(ctx: LoadContext, drafts: ServiceDraft[], active: ServiceDraft[]): void {
  checkReferences(ctx, drafts);
  checkHostPorts(ctx, active);
  checkContainerNames(ctx, active);
}

/** One Docker name, one container: two services may not both claim it. */
function checkContainerNames(ctx: LoadContext, drafts: ServiceDraft[]): void {
  const claimed = new Map<string, ServiceDraft>();
  for (const draft of drafts) {
    const name = draft.spec.containerName;
    if (name === null) continue;
    const earlier = claimed.get(name);
    if (!earlier) claimed.set(name, draft);
    else ctx.error("E_CONTAINER_NAME", `container_name '${name}' is already the name of service '${earlier.spec.name}' (line ${earlier.spec.keyLocs.container_name.line})`, draft.spec.keyLocs.container_name);
  }
}

function checkReferences(ctx: LoadContext, drafts: ServiceDraft[]): void {
  const names = new Set(drafts.map((d) => d.spec.name));
  const known = [...names].sort().join(", ");
  for (const draft of drafts) {
    for (const ref of draft.references) {
      const code = ref.kind === "links" ? "E_LINK" : "E_DEPENDS";
      if (ref.service === draft.spec.name) {
        const verb = ref.kind === "links" ? "link to" : ref.kind === "volumes_from" ? "take the volumes of" : "depend on";
        ctx.error(code, `${ref.kind}: service '${ref.service}' cannot ${verb} itself`, ref.loc);
      } else if (!names.has(ref.service)) {
        ctx.error(code, `${ref.kind}: no service named '${ref.service}' (services: ${known})`, ref.loc);
      }
    }
  }
}

interface Claim {
  service: string;
  loc: SourceLoc;
}

/**
 * A fixed host port can be bound once per address and protocol. Two services claiming it,
 * or one service whose replicas would all claim it, can never all start.
 */
function checkHostPorts(ctx: LoadContext, drafts: ServiceDraft[]): void {
  const claims = new Map<string, Claim>();
  for (const draft of drafts) {
    const { spec } = draft;
    spec.ports.forEach((port, i) => {
      if (port.hostPort === null) return;
      const loc = draft.portLocs[i];
      const shown = `${port.hostIp ? `${port.hostIp}:` : ""}${port.hostPort}/${port.protocol}`;
      if (spec.aliyun.scale > 1) {
        ctx.error(
          "E_PORT_CONFLICT",
          `host port ${shown} is fixed but service '${spec.name}' has scale ${spec.aliyun.scale}: its replicas cannot all bind it; leave the host port out to let Docker choose`,
          loc,
        );
      }
      const key = `${port.hostIp ?? ""}|${port.hostPort}|${port.protocol}`;
      const earlier = claims.get(key);
      if (!earlier) {
        claims.set(key, { service: spec.name, loc });
      } else {
        const by = earlier.service === spec.name ? "this service" : `service '${earlier.service}'`;
        ctx.error("E_PORT_CONFLICT", `host port ${shown} is already published by ${by} (line ${earlier.loc.line})`, loc);
      }
    });
  }
}
