import path from "node:path";
import Docker from "dockerode";
import { ROOT, execIn, runProcess } from "./helpers.js";

/** The 3-node swarm scripts/swarm-lab.sh runs on this machine, as a test sees it. */
export interface SwarmLab {
  /** DOCKER_HOST of the manager (node 1). */
  dockerHost: string;
  manager: Docker;
  /** Node hostname ("node1") → a client for that node's own engine. */
  nodes: Map<string, Docker>;
  /** Node hostname → its address on the lab's bridge. */
  addresses: Map<string, string>;
}

const SCRIPT = path.join(ROOT, "scripts/swarm-lab.sh");

/** Starts the lab (idempotent) and fails loudly, with the script's own words, when it cannot. */
export async function startSwarmLab(): Promise<SwarmLab> {
  const started = await runProcess("bash", [SCRIPT, "start"], { env: process.env });
  if (started.code !== 0) {
    throw new Error(`the swarm lab did not start (bash scripts/swarm-lab.sh start exited ${started.code}): ${started.stderr.trim() || started.stdout.trim()}`);
  }
  const env = Object.fromEntries(
    started.stdout
      .split("\n")
      .map((line) => /^([A-Z_]+)='?([^']*)'?$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  const sockets = (env.BERTH_SWARM_LAB_SOCKETS ?? "").split(" ").filter(Boolean);
  const addresses = (env.BERTH_SWARM_LAB_NODES ?? "").split(" ").filter(Boolean);
  if (!env.DOCKER_HOST || sockets.length !== 3) throw new Error(`the swarm lab printed no DOCKER_HOST and 3 node sockets: ${started.stdout}`);
  const client = (host: string) => new Docker({ socketPath: host.replace(/^unix:\/\//, "") });
  return {
    dockerHost: env.DOCKER_HOST,
    manager: client(env.DOCKER_HOST),
    nodes: new Map(sockets.map((s, i) => [`node${i + 1}`, client(s)])),
    addresses: new Map(addresses.map((a, i) => [`node${i + 1}`, a])),
  };
}

export async function stopSwarmLab(): Promise<void> {
  const stopped = await runProcess("bash", [SCRIPT, "stop"], { env: process.env });
  if (stopped.code !== 0) throw new Error(`bash scripts/swarm-lab.sh stop exited ${stopped.code}: ${stopped.stderr}`);
}

export interface TaskView {
  id: string;
  node: string;
  containerId: string;
  env: string[];
  image: string;
}

/** The running tasks of one service, with the hostname of the node each runs on. */
export async function runningTasks(lab: SwarmLab, serviceName: string): Promise<TaskView[]> {
  const nodes = new Map((await lab.manager.listNodes()).map((n: { ID: string; Description?: { Hostname?: string } }) => [n.ID, n.Description?.Hostname ?? "?"]));
  const tasks = (await lab.manager.listTasks({ filters: { service: [serviceName], "desired-state": ["running"] } })) as {
    ID: string;
    NodeID: string;
    Status: { State: string; ContainerStatus?: { ContainerID?: string } };
    Spec: { ContainerSpec: { Env?: string[]; Image: string } };
  }[];
  return tasks
    .filter((t) => t.Status.State === "running")
    .map((t) => ({ id: t.ID, node: nodes.get(t.NodeID) ?? "?", containerId: t.Status.ContainerStatus?.ContainerID ?? "", env: t.Spec.ContainerSpec.Env ?? [], image: t.Spec.ContainerSpec.Image }));
}

/** Runs a shell command in a task's container, on the node that runs it. */
export async function execInTask(lab: SwarmLab, task: TaskView, script: string): Promise<string> {
  const docker = lab.nodes.get(task.node);
  if (!docker) throw new Error(`no lab node called ${task.node}`);
  return execIn(docker, task.containerId, script);
}

/** Everything a project left on the swarm, by label: what destroy must leave empty. */
export async function projectObjects(lab: SwarmLab, project: string): Promise<{ services: string[]; networks: string[]; configs: string[]; secrets: string[] }> {
  const filters = { label: [`berth.project=${project}`] };
  const [services, networks, configs, secrets] = await Promise.all([
    lab.manager.listServices({ filters }),
    lab.manager.listNetworks({ filters }),
    lab.manager.listConfigs({ filters }),
    lab.manager.listSecrets({ filters }),
  ]);
  const names = (list: { Spec?: { Name?: string } }[]) => list.map((o) => o.Spec?.Name ?? "?").sort();
  return {
    services: names(services),
    networks: networks.map((n) => n.Name).sort(),
    configs: names(configs as { Spec?: { Name?: string } }[]),
    secrets: names(secrets as { Spec?: { Name?: string } }[]),
  };
}

/** Removes whatever a test project left on the swarm, even when the test failed half way. */
export async function removeSwarmProject(lab: SwarmLab, project: string): Promise<void> {
  const filters = { label: [`berth.project=${project}`] };
  for (const s of await lab.manager.listServices({ filters })) await lab.manager.getService(s.ID).remove().catch(() => {});
  for (const c of (await lab.manager.listConfigs({ filters })) as { ID: string }[]) await lab.manager.getConfig(c.ID).remove().catch(() => {});
  for (const s of (await lab.manager.listSecrets({ filters })) as { ID: string }[]) await lab.manager.getSecret(s.ID).remove().catch(() => {});
  for (const n of await lab.manager.listNetworks({ filters })) await lab.manager.getNetwork(n.Id).remove().catch(() => {});
}

/** Cuts a node off the lab's bridge (the manager sees it die) or joins it back. */
export async function setNodeLink(node: number, state: "cut" | "join"): Promise<void> {
  const done = await runProcess("bash", [SCRIPT, state, String(node)], { env: process.env });
  if (done.code !== 0) throw new Error(`bash scripts/swarm-lab.sh ${state} ${node} exited ${done.code}: ${done.stderr}`);
}
