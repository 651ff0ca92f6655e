/**
 * Differential test: every compose file of test/compose-corpus/ is read by Berth (the CLI
 * bundle: `validate` and `plan --no-refresh --json`) and by the real docker-compose 1.29
 * (`config`, which needs no engine). Invariants checked for every file, whatever Berth
 * supports today:
 *
 *  - Berth never crashes: exit code 0 or 1, no stack trace on stderr;
 *  - a refusal names where (file:line:col, or a resource address) and the key involved;
 *  - where both accept the file, Berth's interpretation equals compose's, service by service:
 *    image, command, entrypoint, environment, ports, volumes, networks (+ aliases),
 *    network_mode, depends_on (+ conditions), and which services run.
 *
 * A difference fails the test unless ALLOWED (below) explains it: a deliberate choice of Berth,
 * or a known bug marked `// BUG:` so the integrator sees it. The test asserts no fixed
 * accept/refuse list: a key going from "refused" to "supported" only moves a file from one
 * summary column to another, and then its interpretation must equal compose's.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { berth, ROOT, runProcess, type RunResult } from "./helpers.js";
import { loadTemplate } from "../../src/template/load.js";
import { buildDesired } from "../../src/model/desired.js";

const COMPOSE = "/usr/bin/docker-compose";
const CORPUS = path.join(ROOT, "test/compose-corpus");
const PROJECT = "corpus";
/** Both tools run from the repository root with -f test/compose-corpus/...: paths in a file are the file's, not the caller's. */
const CWD = ROOT;
const MASK = "(sensitive value)";

/** The same environment for both tools: nothing of the caller's COMPOSE_* or BERTH_* leaks in. */
const ENV: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? homedir(),
  LANG: "C.UTF-8",
  CORPUS_SHELL_VAR: "from the shell",
  CORPUS_API_TOKEN: "corpus-token-value",
  SENTRY_BIND: "9000",
  BUILD_NUMBER: "77",
};
/** Environment for the child processes: the fixed one above, and everything else explicitly unset. */
const CHILD_ENV: Record<string, string | undefined> = {
  ...Object.fromEntries(Object.keys(process.env).map((k) => [k, undefined])),
  ...ENV,
  NO_COLOR: "1",
  CI: "true",
};

// ---------------------------------------------------------------------------------------------
// The corpus: every *.yml at the top, and every folder holding a compose file (its main file,
// any *.override.yml beside it as a case of its own, and the two merged as compose merges them:
// `-f main -f override`, given to both tools).

interface Case {
  /** The first file (the template), relative to ROOT. */
  file: string;
  /** Every file passed with -f, in order (the first is `file`). */
  files: string[];
  name: string;
}

const COMPOSE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

function corpusCases(): Case[] {
  const cases: Case[] = [];
  for (const entry of readdirSync(CORPUS).sort()) {
    const full = path.join(CORPUS, entry);
    if (statSync(full).isDirectory()) {
      const main = COMPOSE_NAMES.find((n) => existsSync(path.join(full, n)));
      if (!main) continue; // a side folder (env files, secrets, build contexts) shared by single files
      const mainFile = path.relative(ROOT, path.join(full, main));
      cases.push({ name: `${entry}/${main}`, file: mainFile, files: [mainFile] });
      for (const extra of readdirSync(full).sort()) {
        if (!/\.override\.ya?ml$/.test(extra)) continue;
        const overrideFile = path.relative(ROOT, path.join(full, extra));
        cases.push({ name: `${entry}/${extra}`, file: overrideFile, files: [overrideFile] });
        cases.push({ name: `${entry}/${main}+${extra}`, file: mainFile, files: [mainFile, overrideFile] });
      }
    } else if (/\.ya?ml$/.test(entry)) {
      cases.push({ name: entry, file: path.relative(ROOT, full), files: [path.relative(ROOT, full)] });
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// The normalised view both sides are reduced to.

type Field = "services" | "replicas" | "image" | "command" | "entrypoint" | "environment" | "ports" | "volumes" | "networks" | "network_mode" | "depends_on";

interface ServiceView {
  /** How many containers run: compose's `scale:`; Berth's container.<svc>[i] count. */
  replicas: number;
  image: string | null;
  command: string[] | null;
  entrypoint: string[] | null;
  /** null value: written without one and not in the environment (compose leaves it unset). */
  environment: Record<string, string | null>;
  /** "hostIp|hostPort|containerPort/protocol", sorted; hostIp "" and hostPort "" when unspecified. */
  ports: string[];
  /** "source:target[:modes]" with absolute host paths and Docker volume names, "rw" dropped, sorted. */
  volumes: string[];
  /** Docker network name → declared aliases, sorted. */
  networks: Record<string, string[]>;
  network_mode: string | null;
  /** "service:condition", sorted. */
  depends_on: string[];
}

interface Difference {
  file: string;
  service: string;
  field: Field;
  compose: unknown;
  berth: unknown;
  /** The ALLOWED ids that explain it; empty: an unexplained difference (fails the test). */
  allowedBy: string[];
}

interface Ctx {
  file: string;
  service: string;
  /** Absolute folder of the compose file. */
  dir: string;
  /** The compose view of the whole project (links, for the implicit aliases). */
  composeServices: Record<string, Record<string, unknown>>;
}

/**
 * Differences Berth makes on purpose, and known bugs (`bug: true`, with a `// BUG:` comment).
 * Each rewrites compose's value into what Berth (deliberately or by the bug) does instead; a
 * difference is allowed when the rewrites that apply to it make both sides equal.
 */
interface Allowed {
  id: string;
  field: Field;
  /** Only these files (by case name); every file when absent. */
  files?: RegExp;
  bug?: boolean;
  reason: string;
  /** compose's value rewritten as Berth treats it; `berth` is Berth's value, for rules that copy what Berth derives. */
  adjust(compose: any, ctx: Ctx, berth: any): any;
}

const ALLOWED: Allowed[] = [
  {
    // Deliberate (DESIGN.md "Ports are published on 127.0.0.1", setting --publish-address):
    // a port whose host IP is not written is published on loopback, not on every interface.
    id: "publish-address",
    field: "ports",
    reason: "Berth publishes ports without a host IP on 127.0.0.1 (--publish-address), compose on 0.0.0.0",
    adjust: (ports: string[]) => ports.map((p) => (p.startsWith("|") ? `127.0.0.1${p}` : p)).sort(),
  },
  {
    // Deliberate (DESIGN.md addresses): replica i is named <project>_<service>_<i+1>, and a
    // service's network stack is that of its first replica.
    id: "network-mode-service",
    field: "network_mode",
    reason: "network_mode service:X is container:<project>_X_1, Berth's name for X's first replica",
    adjust: (mode: string | null) => (mode?.startsWith("service:") ? `container:${PROJECT}_${mode.slice(8)}_1` : mode),
  },
  {
    // Deliberate (README: the v1 flat format): docker-compose 1.29 runs a v1 file's containers on
    // Docker's default bridge with legacy links; Berth puts them on the project's network
    // (network.default), where links become network aliases.
    id: "v1-project-network",
    field: "network_mode",
    files: /^051-v1-flat-format/,
    reason: "v1 flat files join the project network instead of the default bridge",
    adjust: (mode: string | null) => (mode === "bridge" ? null : mode),
  },
  {
    id: "v1-project-network",
    field: "networks",
    files: /^051-v1-flat-format/,
    reason: "v1 flat files join the project network instead of the default bridge",
    adjust: (networks: Record<string, string[]>) => (Object.keys(networks).length === 0 ? { [`${PROJECT}_default`]: [] } : networks),
  },
  {
    // Deliberate (src/model/link-env.ts): Docker injects <ALIAS>_NAME, <ALIAS>_ENV_*, <ALIAS>_PORT_*
    // for a legacy link; Berth links over the project network, so it writes those variables itself.
    id: "link-environment",
    field: "environment",
    reason: "Berth writes the variables Docker's legacy links would inject (<ALIAS>_NAME, _ENV_*, _PORT*)",
    adjust: (env: Record<string, string | null>, ctx: Ctx, berthEnv: Record<string, string>) => {
      const prefixes = linksOf(ctx.service, ctx.composeServices).map((l) => `${l.alias.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`);
      const injected = Object.entries(berthEnv ?? {}).filter(([k]) => !(k in env) && prefixes.some((p) => k.startsWith(p) && /^(NAME|ENV_|PORT)/.test(k.slice(p.length))));
      return { ...Object.fromEntries(injected), ...env };
    },
  },
  {
    // Deliberate: compose starts a linked service before the service linking it; Berth makes the
    // link an ordinary dependency (service_started), which is what the plan's depends_on lists.
    id: "links-are-dependencies",
    field: "depends_on",
    reason: "a link is a service_started dependency in Berth's plan, as compose orders links",
    adjust: (deps: string[], ctx: Ctx) =>
      [...new Set([...deps, ...linksOf(ctx.service, ctx.composeServices).map((l) => `${l.service}:service_started`)])].sort(),
  },
  {
    // Deliberate, as compose orders them: a service whose volumes another takes (volumes_from) is
    // created first; Berth's plan lists that as a service_started dependency, compose's config does not.
    id: "volumes-from-are-dependencies",
    field: "depends_on",
    reason: "a volumes_from service is a service_started dependency in Berth's plan, as compose creates it first",
    adjust: (deps: string[], ctx: Ctx) => {
      const from = ((ctx.composeServices[ctx.service]?.volumes_from as string[] | undefined) ?? []).filter((v) => !String(v).startsWith("container:"));
      return [...new Set([...deps, ...from.map((v) => `${String(v).replace(/^service:/, "").split(":")[0]}:service_started`)])].sort();
    },
  },
  {
    // Deliberate (src/template/keys-scale.ts): deploy.replicas sets the replica count, as compose v2
    // does; compose 1.29 honours it only with --compatibility and otherwise runs one container.
    id: "deploy-replicas",
    field: "replicas",
    reason: "deploy.replicas sets the number of containers (compose 1.29 needs --compatibility for that)",
    adjust: (n: number, ctx: Ctx) => Number((ctx.composeServices[ctx.service]?.deploy as Obj | undefined)?.replicas ?? n),
  },
  {
    // Deliberate: Berth writes every DNS name a container answers to as a network alias (the
    // service name, <service>_<n>, and the aliases other services' links give it); compose
    // 1.29 adds the service name itself at create time and resolves links through legacy links.
    id: "implicit-aliases",
    field: "networks",
    reason: "Berth lists the implicit aliases (service, service_1, link aliases) that compose adds at run time",
    adjust: (networks: Record<string, string[]>, ctx: Ctx) => {
      const implicit = [ctx.service, `${ctx.service}_1`, ...linkAliasesOf(ctx.service, ctx.composeServices)];
      return Object.fromEntries(Object.entries(networks).map(([k, a]) => [k, [...new Set([...a, ...implicit])].sort()]));
    },
  },
  {
    // Deliberate (docs/build.md): an image built from build: with no image: is tagged
    // <project>-<service>, as compose v2 tags it; compose 1.29 wrote <project>_<service>.
    id: "built-image-tag",
    field: "image",
    reason: "a built image is tagged <project>-<service> as compose v2 does (compose 1.29: <project>_<service>)",
    adjust: (image: string, ctx: Ctx) => (image === `${PROJECT}_${ctx.service}` ? `${PROJECT}-${ctx.service}` : image),
  },
];

// ---------------------------------------------------------------------------------------------
// Running the tools.

function run(cmd: string, args: string[], input?: string): Promise<RunResult> {
  return runProcess(cmd, args, { cwd: CWD, env: CHILD_ENV as NodeJS.ProcessEnv, input });
}

/** POSIX shell words as docker-py splits a string command (shlex.split): the real peer's rule, not Berth's splitter. */
async function shellSplit(texts: string[]): Promise<string[][]> {
  if (texts.length === 0) return [];
  const r = await run("python3", ["-c", "import json,shlex,sys; print(json.dumps([shlex.split(s) for s in json.load(sys.stdin)]))"], JSON.stringify(texts));
  if (r.code !== 0) throw new Error(`python3 shlex failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------------------------------------
// compose's side: `docker-compose config` output, normalised.

type Obj = Record<string, any>;

/** Aliases other services' links give `service` (compose's "db:database" makes "database" name db). */
function linkAliasesOf(service: string, services: Record<string, Obj>): string[] {
  return Object.keys(services).flatMap((other) => linksOf(other, services).filter((l) => l.service === service).map((l) => l.alias));
}

/** A service's own `links:` entries. */
function linksOf(service: string, services: Record<string, Obj>): { service: string; alias: string }[] {
  return ((services[service]?.links as string[] | undefined) ?? []).map((link) => {
    const [target, alias] = String(link).split(":");
    return { service: target, alias: alias ?? target };
  });
}

function dockerNetworkName(key: string, top: Obj): string {
  const decl = top.networks?.[key] ?? null;
  if (decl?.name) return decl.name;
  if (decl?.external) return typeof decl.external === "object" && decl.external.name ? decl.external.name : key;
  return `${PROJECT}_${key}`;
}

function dockerVolumeName(key: string, top: Obj): string {
  const decl = top.volumes?.[key] ?? null;
  if (decl?.name) return decl.name;
  if (decl?.external) return typeof decl.external === "object" && decl.external.name ? decl.external.name : key;
  // compose 1.29 mounts a volume no top-level entry declares as written (the v1 flat format).
  return top.volumes && key in top.volumes ? `${PROJECT}_${key}` : key;
}

function portKey(hostIp: string | null | undefined, hostPort: number | string | null | undefined, container: number | string, protocol: string | undefined): string {
  return `${hostIp ?? ""}|${hostPort ?? ""}|${container}/${protocol ?? "tcp"}`;
}

function expandRange(text: string): number[] {
  const [a, b] = text.split("-").map(Number);
  if (b === undefined) return [a];
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

function composePorts(ports: unknown[]): string[] {
  const out: string[] = [];
  for (const p of ports ?? []) {
    if (p && typeof p === "object") {
      const o = p as Obj;
      out.push(portKey(o.host_ip ?? null, o.published ?? null, o.target, o.protocol));
      continue;
    }
    // compose 1.29 prints the forms with a host IP as strings: "127.0.0.1:8001:8001/tcp", "::1:6001:6001/tcp".
    let text = String(p);
    let protocol = "tcp";
    const slash = text.lastIndexOf("/");
    if (slash >= 0) [text, protocol] = [text.slice(0, slash), text.slice(slash + 1)];
    const parts = text.split(":");
    const container = parts.pop()!;
    const host = parts.length ? parts.pop()! : "";
    const ip = parts.length ? parts.join(":").replace(/^\[|\]$/g, "") : null;
    const cs = expandRange(container);
    const hs = host === "" ? cs.map(() => null) : expandRange(host);
    cs.forEach((c, i) => out.push(portKey(ip, hs.length === cs.length ? hs[i] : host, c, protocol)));
  }
  return out.sort();
}

function volumeString(source: string | null, target: string, modes: string[]): string {
  const m = modes.filter((x) => x && x !== "rw").sort();
  // Docker cleans both paths ("/etc/prometheus/" is "/etc/prometheus"), and compose prints them cleaned.
  const clean = (p: string | null) => (p && p.length > 1 ? p.replace(/\/+$/, "") : p);
  [source, target] = [clean(source), clean(target)!];
  return [source, target].filter((x) => x !== null && x !== "").join(":") + (m.length ? `:${m.join(",")}` : "");
}

function composeVolumes(volumes: unknown[], top: Obj): string[] {
  const out: string[] = [];
  for (const v of volumes ?? []) {
    if (v && typeof v === "object") {
      const o = v as Obj;
      const modes = [o.read_only ? "ro" : "", o.volume?.nocopy ? "nocopy" : "", o.bind?.propagation ?? "", o.bind?.selinux ?? ""];
      const source = o.type === "volume" && o.source ? dockerVolumeName(o.source, top) : (o.source ?? null);
      out.push(volumeString(o.type === "tmpfs" ? "tmpfs" : source, o.target, modes));
      continue;
    }
    const parts = String(v).split(":");
    if (parts.length === 1) {
      out.push(volumeString(null, parts[0], []));
      continue;
    }
    const [source, target, modes] = parts;
    const named = !source.startsWith("/") && !source.startsWith(".") && !source.startsWith("~");
    out.push(volumeString(named ? dockerVolumeName(source, top) : source, target, (modes ?? "").split(",")));
  }
  return out.sort();
}

/** compose 1.29's `config` writes a literal $ as $$ (so its output interpolates back to itself); the container gets $. */
function unescapeDollars(v: unknown): unknown {
  if (typeof v === "string") return v.replace(/\$\$/g, "$");
  if (Array.isArray(v)) return v.map(unescapeDollars);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescapeDollars(x)]));
  return v;
}

async function composeView(out: string): Promise<{ top: Obj; services: Record<string, ServiceView> }> {
  const top = unescapeDollars(parseYaml(out) ?? {}) as Obj;
  const services: Record<string, ServiceView> = {};
  const strings: string[] = [];
  for (const svc of Object.values((top.services ?? {}) as Record<string, Obj>)) {
    for (const k of ["command", "entrypoint"]) if (typeof svc[k] === "string") strings.push(svc[k]);
  }
  const split = new Map(strings.map((s, i) => [s, [] as string[]]));
  (await shellSplit(strings)).forEach((words, i) => split.set(strings[i], words));
  const argv = (x: unknown): string[] | null => (x === undefined || x === null ? null : typeof x === "string" ? split.get(x)! : (x as unknown[]).map(String));
  for (const [name, svc] of Object.entries((top.services ?? {}) as Record<string, Obj>)) {
    const env: Record<string, string | null> = {};
    // null: written without a value and not in the environment: compose leaves it unset, so the container does not have it.
    for (const [k, v] of Object.entries((svc.environment ?? {}) as Obj)) if (v !== null) env[k] = String(v);
    const deps = svc.depends_on ?? {};
    const depends = Array.isArray(deps) ? deps.map((d: string) => `${d}:service_started`) : Object.entries(deps as Obj).map(([d, o]) => `${d}:${(o as Obj)?.condition ?? "service_started"}`);
    let networks: Record<string, string[]> = {};
    if (!svc.network_mode) {
      const declared = svc.networks ?? { default: null };
      const entries: [string, Obj | null][] = Array.isArray(declared) ? declared.map((n: string) => [n, null]) : Object.entries(declared);
      networks = Object.fromEntries(entries.map(([key, o]) => [dockerNetworkName(key, top), [...((o?.aliases as string[]) ?? [])].sort()]));
    }
    services[name] = {
      replicas: Number(svc.scale ?? 1),
      image: svc.image ?? (svc.build ? `${PROJECT}_${name}` : null),
      command: argv(svc.command),
      entrypoint: argv(svc.entrypoint),
      environment: env,
      ports: composePorts(svc.ports),
      volumes: composeVolumes(svc.volumes, top),
      networks,
      network_mode: svc.network_mode ?? null,
      depends_on: depends.sort(),
    };
  }
  return { top, services };
}

// ---------------------------------------------------------------------------------------------
// Berth's side: the JSON plan's containers (replica 0), with masked values taken from the model.

function berthVolume(v: string): string {
  const parts = v.split(":");
  if (parts.length === 1) return volumeString(null, v, []);
  const [source, target, modes] = parts;
  // Where the Docker provider takes the host path from (providers/docker/container-spec.ts).
  let resolved = source;
  if (source === "~" || source.startsWith("~/")) resolved = homedir() + source.slice(1);
  else if (source.startsWith(".")) resolved = path.resolve(CWD, source);
  return volumeString(resolved, target, (modes ?? "").split(","));
}

async function berthView(planJson: string, files: string[]): Promise<Record<string, ServiceView>> {
  const plan = JSON.parse(planJson) as Obj;
  const changes = (plan.resource_changes ?? []) as Obj[];
  // Masked values (passwords, tokens) are read from the model itself, in this process.
  let unmasked: Map<string, Obj> | null = null;
  if (planJson.includes(MASK)) {
    const template = await loadTemplate(files.map((f) => path.join(ROOT, f)), { env: ENV, domain: "localhost" });
    const model = buildDesired(template, { project: PROJECT, publishAddress: "127.0.0.1", discovery: false, env: ENV });
    unmasked = new Map(model.resources.map((r) => [r.address, r.attributes as Obj]));
  }
  const views: Record<string, ServiceView> = {};
  for (const rc of changes) {
    if (rc.type !== "container" || rc.index !== 0) continue;
    const after = rc.change.after as Obj;
    const pick = (key: string) => (JSON.stringify(after[key] ?? null).includes(MASK) ? unmasked?.get(rc.address)?.[key] : after[key]);
    const ports = ((pick("ports") ?? []) as Obj[]).map((p) => portKey(p.host_ip, p.host_port, p.container_port, p.protocol)).sort();
    const networks = Object.fromEntries(Object.entries((after.networks ?? {}) as Record<string, Obj>).map(([k, a]) => [k, [...(a.aliases as string[])].sort()]));
    const depends = ((rc.depends_on ?? []) as Obj[])
      .filter((d) => /^container\./.test(d.address))
      .map((d) => `${String(d.address).replace(/^container\.(.*)\[\d+\]$/, "$1")}:${d.condition ?? "service_started"}`);
    views[after.service as string] = {
      replicas: changes.filter((x) => x.type === "container" && x.change.after?.service === after.service).length,
      image: after.image ?? null,
      command: pick("command") ?? null,
      entrypoint: pick("entrypoint") ?? null,
      environment: (pick("environment") ?? {}) as Record<string, string>,
      ports,
      volumes: ((pick("volumes") ?? []) as string[]).map(berthVolume).sort(),
      networks,
      network_mode: after.network_mode ?? null,
      depends_on: [...new Set(depends)].sort(),
    };
  }
  return views;
}

// ---------------------------------------------------------------------------------------------
// Invariants on Berth's output.

/** Every key of the compose specification, and the words Berth's messages use for them. */
const COMPOSE_KEYS = new Set(
  (
    "services networks volumes secrets configs name version include x- image build context dockerfile args command entrypoint environment env_file " +
    "ports expose links external_links extra_hosts labels label_file restart volumes_from depends_on condition required healthcheck test interval timeout " +
    "retries start_period start_interval disable hostname domainname working_dir user container_name scale deploy replicas resources network_mode " +
    "aliases ipv4_address ipv6_address priority secrets configs source target uid gid mode file content environment external driver driver_opts ipam " +
    "subnet gateway internal attachable enable_ipv6 cap_add cap_drop privileged read_only security_opt init tty stdin_open stop_signal stop_grace_period " +
    "shm_size tmpfs ulimits sysctls mem_limit memswap_limit mem_reservation mem_swappiness cpus cpu_shares cpu_quota cpu_period cpuset pids_limit dns " +
    "dns_search dns_opt mac_address logging options devices group_add userns_mode ipc pid runtime platform pull_policy cgroup_parent oom_kill_disable " +
    "oom_score_adj blkio_config storage_opt isolation credential_spec device_cgroup_rules develop watch annotations attach gpus uts post_start profiles " +
    "extends type bind volume nocopy propagation read_only published protocol host_ip yaml alias anchor key port"
  ).split(/\s+/),
);

const POSITION = /(^|\s)[^\s:]+:\d+:\d+:/;
const ADDRESS = /\b(container|network|volume|image|route|upstream|secret|config|service)\.[A-Za-z0-9_.[\]-]+/;

function namesAKey(line: string): boolean {
  return [...line.matchAll(/[A-Za-z_][A-Za-z0-9_.-]*/g)].some((m) => COMPOSE_KEYS.has(m[0]) || COMPOSE_KEYS.has(m[0].split(".")[0]) || m[0].startsWith("x-"));
}

/** Problems with how Berth ended: a crash, a stack trace, an error that says neither where nor what. */
function invariantProblems(what: string, r: RunResult): string[] {
  const problems: string[] = [];
  if (r.code !== 0 && r.code !== 1) problems.push(`${what}: exit code ${r.code} (expected 0 or 1)`);
  const trace = r.stderr.split("\n").find((l) => /^    at /.test(l));
  if (trace) problems.push(`${what}: stack trace on stderr: ${trace.trim()}`);
  if (r.code === 1) {
    const errors = r.stderr.split("\n").filter((l) => /^Error:/.test(l));
    if (errors.length === 0) problems.push(`${what}: exit 1 without an "Error:" line: ${r.stderr.trim().slice(0, 300)}`);
    for (const line of errors) {
      if (!POSITION.test(line) && !ADDRESS.test(line)) problems.push(`${what}: error without file:line:col or address: ${line}`);
      else if (!namesAKey(line)) problems.push(`${what}: error names no compose key: ${line}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Comparison.

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortDeep(a)) === JSON.stringify(sortDeep(b));
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortDeep(x)]));
  return v;
}

function compare(c: Case, compose: { top: Obj; services: Record<string, ServiceView> }, berthSide: Record<string, ServiceView>): Difference[] {
  const diffs: Difference[] = [];
  const dir = path.resolve(ROOT, path.dirname(c.file));
  const composeServices = (compose.top.services ?? {}) as Record<string, Obj>;
  // compose 1.29 `config` lists every service; `up` starts those with `profiles:` only when a profile is active (none here).
  const running = Object.keys(compose.services).filter((s) => !composeServices[s].profiles).sort();
  const planned = Object.keys(berthSide).sort();
  const check = (service: string, field: Field, composeValue: unknown, berthValue: unknown) => {
    if (equal(composeValue, berthValue)) return;
    const ctx: Ctx = { file: c.name, service, dir, composeServices };
    let adjusted = composeValue;
    const used: string[] = [];
    for (const a of ALLOWED) {
      if (a.field !== field || (a.files && !a.files.test(c.name))) continue;
      const next = a.adjust(adjusted, ctx, berthValue);
      if (!equal(next, adjusted)) {
        used.push(a.id);
        adjusted = next;
      }
    }
    diffs.push({ file: c.name, service, field, compose: composeValue, berth: berthValue, allowedBy: equal(adjusted, berthValue) ? used : [] });
  };
  check("*", "services", running, planned);
  for (const service of running.filter((s) => berthSide[s])) {
    const [cv, bv] = [compose.services[service], berthSide[service]];
    for (const field of ["replicas", "image", "command", "entrypoint", "environment", "ports", "volumes", "networks", "network_mode", "depends_on"] as const) {
      check(service, field, cv[field], bv[field]);
    }
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------

interface Outcome {
  file: string;
  berthCode: number;
  composeCode: number;
  berthErrors: string[];
  composeError: string;
  problems: string[];
  diffs: Difference[];
  /** Keys Berth warned it ignores ("unknown key 'cap_add' ... (ignored by Berth)"). */
  ignoredKeys: string[];
}

const cases = corpusCases();
const outcomes: Outcome[] = [];
let stateDir = "";

beforeAll(() => {
  // Never skipped: the peer and the CLI bundle are part of the test.
  if (!existsSync(COMPOSE)) throw new Error(`the compose corpus test needs docker-compose 1.29 at ${COMPOSE} (Debian package docker-compose)`);
  if (!existsSync(path.join(ROOT, "dist"))) throw new Error("the CLI bundle is missing: run `node scripts/build.mjs` first (npm test does)");
  stateDir = mkdtempSync(path.join(tmpdir(), "berth-corpus-"));
});

afterAll(() => {
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  printSummary(outcomes);
});

describe.concurrent("compose corpus: Berth and docker-compose 1.29 read each file alike", () => {
  it("has a corpus of at least 80 files", () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  it.each(cases)("$name", async (c) => {
    const state = path.join(stateDir, `${c.name.replace(/[^\w.-]/g, "_")}.state.json`);
    const fileFlags = c.files.flatMap((f) => ["-f", f]);
    const [validate, plan, compose] = await Promise.all([
      berth(["validate", ...fileFlags], { cwd: CWD, env: CHILD_ENV }),
      berth(["plan", "--no-refresh", "--json", ...fileFlags, "-p", PROJECT, "--state", state], { cwd: CWD, env: CHILD_ENV }),
      run(COMPOSE, [...fileFlags, "-p", PROJECT, "config"]),
    ]);
    const problems = [...invariantProblems("berth validate", validate), ...invariantProblems("berth plan", plan)];
    if (validate.code !== plan.code && plan.code <= 1 && validate.code <= 1) {
      problems.push(`berth validate exits ${validate.code} but berth plan exits ${plan.code}: ${(validate.code ? validate : plan).stderr.trim().slice(0, 300)}`);
    }
    let diffs: Difference[] = [];
    if (plan.code === 0 && compose.code === 0) {
      diffs = compare(c, await composeView(compose.stdout), await berthView(plan.stdout, c.files));
    }
    const outcome: Outcome = {
      file: c.name,
      berthCode: plan.code,
      composeCode: compose.code,
      berthErrors: plan.stderr.split("\n").filter((l) => /^Error:/.test(l)),
      composeError: compose.stderr.trim().split("\n").filter((l) => !/^WARNING/.test(l)).join(" ").slice(0, 200),
      problems,
      diffs,
      ignoredKeys: [...new Set([...plan.stderr.matchAll(/^Warning: .*unknown key '([^']+)'/gm)].map((m) => m[1]))],
    };
    outcomes.push(outcome);
    expect(problems, "Berth must not crash, and a refusal must say where and which key").toEqual([]);
    const unexplained = diffs.filter((d) => d.allowedBy.length === 0).map(showDiff);
    expect(unexplained, "Berth reads the file differently from docker-compose (add to ALLOWED only when deliberate, or as BUG)").toEqual([]);
  });
});

function showDiff(d: Difference): string {
  return `${d.file} ${d.service} ${d.field}: compose ${JSON.stringify(d.compose)} / berth ${JSON.stringify(d.berth)}`;
}

function printSummary(all: Outcome[]): void {
  const sorted = [...all].sort((a, b) => (a.file < b.file ? -1 : 1));
  const both = sorted.filter((o) => o.berthCode === 0 && o.composeCode === 0);
  const refusedByBerth = sorted.filter((o) => o.berthCode === 1);
  const refusedByCompose = sorted.filter((o) => o.berthCode === 0 && o.composeCode !== 0);
  const diffs = sorted.flatMap((o) => o.diffs);
  const lines = [
    "",
    "== compose corpus: Berth vs docker-compose 1.29 ==",
    `files: ${sorted.length}`,
    `accepted by both: ${both.length}`,
    `refused by Berth: ${refusedByBerth.length}`,
    ...refusedByBerth.map((o) => `  ${o.file}${o.composeCode === 0 ? "" : " (compose refuses too)"}: ${o.berthErrors[0]?.replace(/^Error: /, "") ?? "?"}${o.berthErrors.length > 1 ? ` (+${o.berthErrors.length - 1} more)` : ""}`),
    `accepted by Berth, refused by compose: ${refusedByCompose.length}`,
    ...refusedByCompose.map((o) => `  ${o.file}: ${o.composeError}`),
    // Not a failure (the brief's fields are compared above), but what a user loses silently today.
    `accepted by Berth with keys ignored (warning only): ${sorted.filter((o) => o.berthCode === 0 && o.ignoredKeys.length).length} files`,
    `  ${Object.entries(sorted.flatMap((o) => (o.berthCode === 0 ? o.ignoredKeys : [])).reduce<Record<string, number>>((n, k) => ({ ...n, [k]: (n[k] ?? 0) + 1 }), {})).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k}×${n}`).join(" ")}`,
    `invariant problems: ${sorted.reduce((n, o) => n + o.problems.length, 0)}`,
    ...sorted.flatMap((o) => o.problems.map((p) => `  ${o.file}: ${p}`)),
    `differences: ${diffs.length} (unexplained ${diffs.filter((d) => d.allowedBy.length === 0).length}, known bugs ${diffs.filter((d) => d.allowedBy.some((id) => ALLOWED.find((a) => a.id === id)?.bug)).length}, deliberate ${diffs.filter((d) => d.allowedBy.length > 0 && !d.allowedBy.some((id) => ALLOWED.find((a) => a.id === id)?.bug)).length})`,
    // Deliberate differences are counted by rule; known bugs and unexplained ones are listed in full.
    ...ALLOWED.filter((a, i) => ALLOWED.findIndex((b) => b.id === a.id) === i).map(
      (a) => `  ${a.bug ? "BUG " : ""}${a.id}: ${diffs.filter((d) => d.allowedBy.includes(a.id)).length} (${a.reason})`,
    ),
    ...diffs
      .filter((d) => d.allowedBy.length === 0 || d.allowedBy.some((id) => ALLOWED.find((a) => a.id === id)?.bug))
      .map((d) => `  ${d.allowedBy.length ? `[${d.allowedBy.join(",")}]` : "[UNEXPLAINED]"} ${showDiff(d)}`),
    "",
  ];
  process.stdout.write(lines.join("\n"));
}
