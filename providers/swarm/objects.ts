import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import { hasAction, type ResourceChange } from "../../src/core/plan.js";
import type { Attributes, DesiredResource, Observed, RecordedResource } from "../../src/core/types.js";
import { engineStatus, errorMessage, ignoreStatus } from "../../src/clients/docker.js";
import { LABEL_KEY, LABEL_PROJECT, type SwarmFileAttributes, type SwarmNetworkAttributes } from "./attributes.js";

/** Swarm networks, configs and secrets: made once, never changed, removed when nothing uses them. */

type FileKind = "config" | "secret";

interface SwarmObject {
  ID: string;
  Spec?: { Name?: string; Labels?: Record<string, string> };
}

async function listFiles(docker: Docker, kind: FileKind, filters: Record<string, string[]>): Promise<SwarmObject[]> {
  return (kind === "config" ? await docker.listConfigs({ filters }) : await docker.listSecrets({ filters })) as SwarmObject[];
}

/** Name → ID of the configs or secrets with these exact names. */
export async function fileIds(docker: Docker, kind: FileKind, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const listed = await listFiles(docker, kind, { name: [...names] });
  return new Map(listed.filter((o) => o.Spec?.Name && names.includes(o.Spec.Name)).map((o) => [o.Spec!.Name!, o.ID]));
}

/**
 * The project's networks by key; its configs and secrets whose names the record or the template
 * name (older generations of one key are left to collectUnused, not shown as the key's drift).
 */
export async function observeObjects(docker: Docker, project: string, recorded: readonly RecordedResource[], desired: readonly DesiredResource[]): Promise<Observed[]> {
  const label = { label: [`${LABEL_PROJECT}=${project}`] };
  const [networks, configs, secrets] = await Promise.all([docker.listNetworks({ filters: label }), listFiles(docker, "config", label), listFiles(docker, "secret", label)]);
  const observed: Observed[] = [];
  for (const n of networks) {
    const key = n.Labels?.[LABEL_KEY];
    if (key && n.Scope === "swarm") observed.push({ address: `network.${key}`, type: "network", attributes: { name: n.Name, network_id: n.Id } });
  }
  const known = new Set([...recorded, ...desired].filter((r) => r.type === "config" || r.type === "secret").map((r) => `${r.type}:${String(r.attributes.name)}`));
  for (const [kind, list] of [["config", configs], ["secret", secrets]] as const) {
    for (const o of list) {
      const name = o.Spec?.Name ?? "";
      const key = o.Spec?.Labels?.[LABEL_KEY];
      if (key && known.has(`${kind}:${name}`)) observed.push({ address: `${kind}.${key}`, type: kind, attributes: { name, object_id: o.ID } });
    }
  }
  return observed;
}

export async function applyNetwork(docker: Docker, change: ResourceChange, project: string): Promise<Attributes | null> {
  const before = change.before as SwarmNetworkAttributes | null;
  const after = change.after as SwarmNetworkAttributes | null;
  if (change.actions[0] === "no-op") return change.before;
  if (change.actions[0] === "update") return { ...after!, network_id: (await networkId(docker, after!.name)) ?? null } as Attributes;
  if (hasAction(change, "delete") && before && !before.external) await removeNetwork(docker, before.name);
  if (!hasAction(change, "create") || !after) return null;
  let id = await networkId(docker, after.name);
  if (after.external && !id) throw new UserError("E_EXTERNAL_NETWORK", `network ${after.name} is declared external but does not exist`, { address: change.address });
  if (!id) {
    const network = await docker.createNetwork({
      Name: after.name,
      Driver: after.driver,
      CheckDuplicate: true,
      Attachable: after.attachable,
      Internal: after.internal,
      Options: after.driver_opts,
      Labels: { ...after.labels, [LABEL_PROJECT]: project, [LABEL_KEY]: after.key },
    });
    id = network.id;
  }
  return { ...after, network_id: id } as Attributes;
}

async function networkId(docker: Docker, name: string): Promise<string | null> {
  const networks = await docker.listNetworks({ filters: { name: [name] } });
  return networks.find((n) => n.Name === name)?.Id ?? null;
}

/**
 * Tasks leaving a removed service release their endpoints a moment later: the engine refuses
 * until then. Done when no network of that name is listed any more.
 */
async function removeNetwork(docker: Docker, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const id = await networkId(docker, name);
    if (!id) return;
    if (Date.now() > deadline) throw new UserError("E_NETWORK_IN_USE", `network ${name} is still listed 60s after its removal`);
    try {
      await ignoreStatus([404], () => docker.getNetwork(id).remove());
    } catch (e) {
      if (Date.now() > deadline || !/active endpoints|in use/i.test(errorMessage(e))) throw e;
    }
    // The manager's own copy of the overlay goes once its last local endpoint has: wait for that too.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * Create the object named after its content (or find it: an earlier apply made it). The old
 * object of a replacement is removed when no service uses it any more; one still in use now
 * (its services move to the new one later in this apply) is left to collectUnused.
 */
export async function applyFile(docker: Docker, change: ResourceChange, project: string): Promise<Attributes | null> {
  const kind = change.type as FileKind;
  const before = change.before as SwarmFileAttributes | null;
  const after = change.after as SwarmFileAttributes | null;
  if (change.actions[0] === "no-op") return change.before;
  let recorded: Attributes | null = null;
  if (hasAction(change, "create") && after) {
    const existing = (await fileIds(docker, kind, [after.name])).get(after.name);
    const id = existing ?? (await createFile(docker, kind, after, project));
    recorded = { ...after, object_id: id } as Attributes;
  }
  if (change.actions[0] === "update" && after) recorded = { ...after, object_id: (await fileIds(docker, kind, [after.name])).get(after.name) ?? null } as Attributes;
  if (hasAction(change, "delete") && before && before.name !== after?.name) {
    const pureDelete = change.actions.length === 1;
    await removeFile(docker, kind, before.name, pureDelete);
  }
  return recorded;
}

async function createFile(docker: Docker, kind: FileKind, after: SwarmFileAttributes, project: string): Promise<string> {
  const spec = { Name: after.name, Data: Buffer.from(after.content).toString("base64"), Labels: { [LABEL_PROJECT]: project, [LABEL_KEY]: after.key } };
  const created = (kind === "config" ? await docker.createConfig(spec) : await docker.createSecret(spec)) as { id?: string; ID?: string };
  return created.id ?? created.ID ?? "";
}

/** strict: the object must go (destroy); otherwise one still in use stays for collectUnused. */
async function removeFile(docker: Docker, kind: FileKind, name: string, strict: boolean): Promise<void> {
  const id = (await fileIds(docker, kind, [name])).get(name);
  if (!id) return;
  try {
    await ignoreStatus([404], () => (kind === "config" ? docker.getConfig(id).remove() : docker.getSecret(id).remove()));
  } catch (e) {
    if (strict || !/in use/i.test(errorMessage(e))) throw e;
  }
}

/**
 * The project's configs and secrets no recorded resource names: older generations of a changed
 * file, once the services moved off them (docker stack deploy never removes them).
 */
export async function collectUnused(docker: Docker, project: string, recorded: readonly RecordedResource[], log: (m: string) => void): Promise<void> {
  const keep = new Set(recorded.filter((r) => r.provider === "swarm" && (r.type === "config" || r.type === "secret")).map((r) => `${r.type}:${String(r.attributes.name)}`));
  for (const kind of ["config", "secret"] as const) {
    for (const o of await listFiles(docker, kind, { label: [`${LABEL_PROJECT}=${project}`] })) {
      const name = o.Spec?.Name ?? "";
      if (keep.has(`${kind}:${name}`)) continue;
      try {
        await ignoreStatus([404], () => (kind === "config" ? docker.getConfig(o.ID).remove() : docker.getSecret(o.ID).remove()));
        log(`removed ${kind} ${name}: no service uses it`);
      } catch (e) {
        if (engineStatus(e) === undefined) throw e;
        log(`kept ${kind} ${name}: ${errorMessage(e)}`);
      }
    }
  }
}
