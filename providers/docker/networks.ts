import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import { hasAction, type ResourceChange } from "../../src/core/plan.js";
import type { Attributes, DesiredResource, Observed, RecordedResource } from "../../src/core/types.js";
import { LABEL_PROJECT, type NetworkAttributes } from "./attributes.js";
import { engineStatus, ignoreStatus } from "../../src/clients/docker.js";
import { madeBy } from "./foreign.js";

/** Which of the project's networks a Docker network is, written on the ones Berth makes. */
const LABEL_NETWORK = "berth.network";

/**
 * The project's networks as the engine has them: those labelled with the project, and any
 * holding a name the template needs (made by compose or by hand: a conflict unless external).
 */
export async function observeNetworks(
  docker: Docker,
  project: string,
  desired: readonly DesiredResource[],
  recorded: readonly RecordedResource[] = [],
): Promise<Observed[]> {
  // A network `berth import` took over keeps compose's labels: the recorded ID makes it ours.
  const importedIds = new Set(recorded.filter((r) => r.type === "network").map((r) => r.attributes.network_id));
  const wanted = new Map(desired.filter((d) => d.type === "network").map((d) => [String(d.attributes.name), d]));
  // The project's default network predates the berth.network label: its name says which it is.
  wanted.set(`${project}_default`, wanted.get(`${project}_default`) ?? ({ address: "network.default", attributes: {} } as DesiredResource));
  const [labelled, named] = await Promise.all([
    docker.listNetworks({ filters: { label: [`${LABEL_PROJECT}=${project}`] } }),
    docker.listNetworks({ filters: { name: [...wanted.keys()] } }),
  ]);
  const observed = new Map<string, Observed>();
  for (const n of [...labelled, ...named]) {
    const labels = n.Labels ?? {};
    const ours = labels[LABEL_PROJECT] === project || importedIds.has(n.Id);
    // The name filter matches substrings: only exact names count.
    const want = wanted.get(n.Name);
    const address = want?.address ?? (ours && labels[LABEL_NETWORK] ? `network.${labels[LABEL_NETWORK]}` : undefined);
    if (!address || observed.has(address)) continue;
    const external = want?.attributes.external === true;
    observed.set(address, {
      address,
      type: "network",
      attributes: { name: n.Name, network_id: n.Id },
      ...(ours || external ? {} : { foreign: { madeBy: madeBy(labels) } }),
    });
  }
  return [...observed.values()];
}

export async function applyNetwork(docker: Docker, change: ResourceChange, project: string): Promise<Attributes | null> {
  const before = change.before as NetworkAttributes | null;
  const after = change.after as NetworkAttributes | null;
  if (change.actions[0] === "no-op") return change.before;
  // Nothing about a network changes in place: an update only records what exists (adoption).
  if (change.actions[0] === "update") return { ...after!, network_id: (await findNetworkId(docker, after!.name)) ?? before?.network_id ?? null } as Attributes;
  if (hasAction(change, "delete") && before) await deleteNetwork(docker, before, project, change.address);
  return hasAction(change, "create") && after ? createNetwork(docker, after, project, change.address) : null;
}

/** A network of that name already there and labelled ours (an earlier run, a crashed apply) is adopted. */
async function createNetwork(docker: Docker, after: NetworkAttributes, project: string, address: string): Promise<Attributes> {
  let networkId = await findNetworkId(docker, after.name);
  if (after.external && !networkId) throw new UserError("E_EXTERNAL_NETWORK", `network ${after.name} is declared external but does not exist`, { address });
  if (!networkId) {
    try {
      const network = await docker.createNetwork({
        Name: after.name,
        Driver: after.driver ?? "bridge",
        CheckDuplicate: true,
        Options: after.driver_opts,
        IPAM: after.ipam
          ? {
              Driver: after.ipam.driver ?? "default",
              Options: after.ipam.options,
              Config: after.ipam.config.map((p) => ({
                Subnet: p.subnet ?? undefined,
                IPRange: p.ip_range ?? undefined,
                Gateway: p.gateway ?? undefined,
                AuxiliaryAddresses: Object.keys(p.aux_addresses).length ? p.aux_addresses : undefined,
              })),
            }
          : undefined,
        Internal: after.internal ?? false,
        Attachable: after.attachable ?? false,
        EnableIPv6: after.enable_ipv6 ?? false,
        Labels: { ...after.labels, [LABEL_PROJECT]: project, [LABEL_NETWORK]: address.slice("network.".length) },
      });
      networkId = network.id;
    } catch (e) {
      if (engineStatus(e) !== 409) throw e;
      networkId = await findNetworkId(docker, after.name); // created meanwhile by someone else
      if (!networkId) throw e;
    }
  }
  return { ...after, network_id: networkId } as Attributes;
}

export async function findNetworkId(docker: Docker, name: string): Promise<string | null> {
  const networks = await docker.listNetworks({ filters: { name: [name] } });
  return networks.find((n) => n.Name === name)?.Id ?? null;
}

/**
 * Removes the network. Containers of the project still on it are being replaced by the same
 * plan (a network made again takes its containers with it), so they are disconnected first;
 * anyone else's container keeps the network, and apply stops saying whose.
 */
async function deleteNetwork(docker: Docker, before: NetworkAttributes, project: string, address: string): Promise<void> {
  if (before.external) return;
  // The recorded ID may be stale (the network was re-made outside Berth): the name is the project's.
  const id = (await findNetworkId(docker, before.name)) ?? before.network_id;
  if (!id) return;
  const network = docker.getNetwork(id);
  let info: Docker.NetworkInspectInfo;
  try {
    info = await network.inspect();
  } catch (e) {
    if (engineStatus(e) === 404) return;
    throw e;
  }
  const attached = Object.keys(info.Containers ?? {});
  const others: string[] = [];
  for (const containerId of attached) {
    const c = await docker.getContainer(containerId).inspect().catch(() => null);
    if (c?.Config.Labels?.[LABEL_PROJECT] === project) await ignoreStatus([404], () => network.disconnect({ Container: containerId, Force: true }));
    else if (c) others.push(c.Name.replace(/^\//, ""));
  }
  if (others.length) {
    throw new UserError("E_NETWORK_IN_USE", `network ${before.name} is still used by ${others.join(", ")}, which Berth does not manage; it was kept`, { address });
  }
  await ignoreStatus([404], () => network.remove());
}
