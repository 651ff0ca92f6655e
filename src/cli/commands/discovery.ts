import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { UserError } from "../../core/errors.js";
import { findTemplates, loadTemplate } from "../../template/load.js";
import type { Output } from "../output.js";
import { normalizeProjectName, resolveSettings, type GlobalFlags } from "../settings.js";
import { withProjectFlags } from "./index.js";
import { EtcdConnection } from "../../clients/etcd.js";
import { isServiceId } from "../../../providers/discovery/records.js";
import { DEFAULT_DISCOVERY_LISTEN } from "../../../providers/discovery/server.js";

interface ServeFlags extends GlobalFlags {
  listen: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

interface AgentFlags extends GlobalFlags {
  ttl: number;
}

interface SyncFlags extends GlobalFlags {
  service: string;
  template: string;
  out: string;
  port?: number;
  nginx?: string;
  nginxConf?: string;
  validateCmd?: string;
  reloadCmd?: string;
  nginxPid?: string;
  once?: boolean;
  resync: number;
}

/**
 * `berth discovery serve|certs`, `berth agent`, `berth sync`: the article's discovery API, the
 * agent that keeps container entries current, and the nginx upstream sync. Each long-running
 * command runs until SIGINT or SIGTERM and then cleans up (closes streams, revokes its lease).
 * The modules behind them load on use: etcd's gRPC client is not loaded by other commands.
 */
export function registerDiscoveryCommands(program: Command, output: Output): void {
  const discovery = program.command("discovery").description("service discovery: the records API and its certificates");

  withProjectFlags(discovery.command("serve").description("serve GET /services/{project}_{service} (stream with ?stream=true)"))
    .option("--listen <addr>", "host:port to listen on (plain HTTP only on 127.0.0.1)", DEFAULT_DISCOVERY_LISTEN)
    .option("--tls-ca <file>", "CA that signed the clients' certificates (HTTPS with client certificates)")
    .option("--tls-cert <file>", "server certificate")
    .option("--tls-key <file>", "server key")
    .action(async (flags: ServeFlags) => {
      const tls = serverTls(flags);
      const etcd = etcdOf(flags);
      const { startDiscoveryServer } = await import("../../../providers/discovery/server.js");
      const rawProject = flags.project ?? process.env.COMPOSE_PROJECT_NAME;
      const project = rawProject ? normalizeProjectName(rawProject) : null;
      try {
        const server = await startDiscoveryServer({ etcd, listen: flags.listen, project, tls, log: (m) => output.err(m) });
        output.out(`Serving discovery records${project ? ` of project ${project}` : ""} on ${server.url}/services/{project}_{service}`);
        await untilSignal();
        await server.close();
      } finally {
        await etcd.close();
      }
    });

  discovery
    .command("certs")
    .description("create a throwaway CA, a server certificate and the agent's client certificate (agent.pem, agent-key.pem)")
    .requiredOption("--out <dir>", "folder for ca.pem, server.pem, server-key.pem, agent.pem, agent-key.pem")
    .option("--force", "replace existing files")
    .option("--days <n>", "validity in days", wholeNumber, 825)
    .action(async (flags: { out: string; force?: boolean; days: number }) => {
      const { createCerts } = await import("../../../providers/discovery/certs.js");
      const files = await createCerts({ dir: flags.out, force: flags.force, days: flags.days });
      output.out(`Created in ${files.dir}: ca.pem, server.pem, server-key.pem, agent.pem, agent-key.pem`);
      output.out(`  berth discovery serve --tls-ca ${files.ca} --tls-cert ${files.server} --tls-key ${files.serverKey} --listen 127.0.0.1:8479`);
      output.out(`  curl -k --cert ${files.agent} --key ${files.agentKey} https://127.0.0.1:8479/services/<project>_<service>`);
    });

  withProjectFlags(program.command("agent").description("keep this machine's container entries in etcd current from Docker events"))
    .option("--ttl <seconds>", "lease TTL: how long entries outlive an agent that died", wholeNumber, 30)
    .action(async (flags: AgentFlags) => {
      const project = await projectOf(flags);
      const etcd = etcdOf(flags);
      const [{ DiscoveryAgent }, { connectDocker }] = await Promise.all([
        import("../../../providers/discovery/agent.js"),
        import("../../clients/docker.js"),
      ]);
      const agent = new DiscoveryAgent({ etcd, docker: connectDocker(), project, ttlSeconds: flags.ttl, log: (m) => output.err(m) });
      try {
        await agent.start();
        output.out(`Agent for project ${project}: container entries under /berth/services/${project}_*/containers/ (lease TTL ${flags.ttl} s)`);
        await untilSignal();
        await agent.stop();
      } finally {
        await etcd.close();
      }
    });

  withProjectFlags(program.command("sync").description("render an nginx template from a service's record and reload nginx on every change"))
    .requiredOption("--service <id>", "PROJECT_SERVICE (a bare service name gets the project prepended)")
    .requiredOption("--template <file>", "nginx template with ${upstreamServers} (and ${serviceName})")
    .requiredOption("--out <file>", "rendered file nginx reads (replaced atomically)")
    .option("--port <n>", "container port to route to (default: the service's routed port)", wholeNumber)
    .option("--nginx <bin>", "nginx binary (BERTH_NGINX, default /usr/sbin/nginx)")
    .option("--nginx-conf <main>", "nginx's main configuration that includes --out: validate with nginx -t -c MAIN, reload with nginx -s reload")
    .option("--validate-cmd <cmd>", "shell command that validates with the new file in place (non-zero: roll back)")
    .option("--reload-cmd <cmd>", "shell command that reloads nginx")
    .option("--nginx-pid <file>", "nginx's pid file: reload with SIGHUP")
    .option("--once", "render once and exit")
    .option("--resync <seconds>", "full read this often besides the watch (0: never)", wholeNumberOrZero, 60)
    .action(async (flags: SyncFlags) => {
      const id = syncServiceId(flags.service, flags.project ?? process.env.COMPOSE_PROJECT_NAME);
      const etcd = etcdOf(flags);
      const { ServiceSync } = await import("../../../providers/discovery/sync.js");
      const sync = new ServiceSync({
        etcd,
        serviceId: id,
        templateFile: path.resolve(flags.template),
        outFile: path.resolve(flags.out),
        port: flags.port ?? null,
        nginx: flags.nginx,
        nginxConf: flags.nginxConf ? path.resolve(flags.nginxConf) : null,
        validateCmd: flags.validateCmd ?? null,
        reloadCmd: flags.reloadCmd ?? null,
        nginxPidFile: flags.nginxPid ? path.resolve(flags.nginxPid) : null,
        resyncSeconds: flags.resync,
        log: (m) => output.err(m),
      });
      try {
        if (flags.once) {
          const outcome = await sync.once();
          output.out(`${flags.out}: ${outcome}`);
          return;
        }
        await sync.start();
        output.out(`Syncing ${flags.out} from /berth/services/${id} (watching etcd; full read every ${flags.resync} s)`);
        await untilSignal();
        await sync.stop();
      } finally {
        await etcd.close();
      }
    });
}

function etcdOf(flags: GlobalFlags): EtcdConnection {
  const { etcdEndpoints } = resolveSettings(flags, process.env);
  return new EtcdConnection({ endpoints: etcdEndpoints });
}

function serverTls(flags: ServeFlags): { ca: string; cert: string; key: string } | null {
  const given = [flags.tlsCa, flags.tlsCert, flags.tlsKey].filter(Boolean).length;
  if (given === 0) return null;
  if (given !== 3) throw new UserError("E_DISCOVERY_TLS", "give all of --tls-ca, --tls-cert and --tls-key (see `berth discovery certs`)");
  return { ca: flags.tlsCa!, cert: flags.tlsCert!, key: flags.tlsKey! };
}

/** -p, else COMPOSE_PROJECT_NAME, else the template's name: or its folder (as every other command). */
async function projectOf(flags: GlobalFlags): Promise<string> {
  let raw = flags.project ?? process.env.COMPOSE_PROJECT_NAME;
  if (raw === undefined) {
    const files = findTemplates(process.cwd(), flags.file, process.env);
    const settings = resolveSettings(flags, process.env);
    const template = await loadTemplate(files, { env: process.env, domain: settings.domain, profiles: settings.profiles });
    raw = template.name ?? path.basename(template.dir);
  }
  const project = normalizeProjectName(raw);
  if (!project) throw new UserError("E_PROJECT", `project name '${raw}' has no letters or digits; give one with -p`);
  return project;
}

/** The article's agent takes the service without its project when COMPOSE_PROJECT_NAME is set. */
export function syncServiceId(service: string, project: string | undefined): string {
  const normalized = project ? normalizeProjectName(project) : "";
  const id = normalized && !service.startsWith(`${normalized}_`) ? `${normalized}_${service}` : service;
  if (!isServiceId(id)) throw new UserError("E_SYNC_SERVICE", `--service ${JSON.stringify(service)} is not a service id like myproject_web`);
  return id;
}

/** Resolves on the first SIGINT or SIGTERM; the command then cleans up and returns. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got '${value}'`);
  return Number(value);
}

function wholeNumberOrZero(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number ≥ 0, got '${value}'`);
  return Number(value);
}
