import { isIP } from "node:net";
import { isMap, isScalar, isSeq } from "yaml";
import { parseByteSize } from "./byte-size.js";
import { parseDuration } from "./duration.js";
import { readScalarList, readText, sortedRecord } from "./key-helpers.js";
import { readKeyValues } from "./key-values.js";
import type { KeyInput, KeyReader } from "./service-draft.js";
import type { ContainerSettings, LoggingSpec, Ulimit } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems } from "./yaml-nodes.js";

/**
 * Service keys that become engine settings of the container (HostConfig and friends). Each
 * value is checked here the way the engine would check it, so a bad one fails `validate` at its
 * line and column instead of failing `apply` half way.
 */

/** Reads a value or reports why it is bad; undefined: unset or already reported. */
type Parse<T> = (input: KeyInput) => T | undefined;

function setting<K extends keyof ContainerSettings>(key: K, parse: Parse<ContainerSettings[K]>): KeyReader {
  return (input, draft) => {
    const value = parse(input);
    if (value !== undefined) draft.spec.settings[key] = value;
  };
}

/** Limits deploy.resources can also set: both are kept until the service is read, then must agree. */
function limit(key: "mem_limit" | "mem_reservation" | "memswap_limit" | "cpus" | "pids_limit", parse: Parse<number>): KeyReader {
  return (input, draft) => {
    const value = parse(input);
    if (value !== undefined) draft.overlaps.push({ setting: key, writtenAs: input.key, value, loc: input.valueLoc });
  };
}

function fail(input: KeyInput, expected: string, code = "E_VALUE"): undefined {
  input.ctx.error(code, `${input.key} must be ${expected}, got ${describe(input.value)}`, input.valueLoc);
  return undefined;
}

// ------------------------------------------------------------------ value kinds

export const bool: Parse<boolean> = (input) => {
  if (isNullNode(input.value)) return undefined;
  const text = scalarText(input.value);
  if (text === "true" || text === "false") return text === "true";
  return fail(input, "true or false");
};

const text: Parse<string> = (input) => readText(input) ?? undefined;

function matching(pattern: RegExp, expected: string): Parse<string> {
  return (input) => {
    const value = readText(input, true);
    if (value === null) return undefined;
    return pattern.test(value) ? value : fail(input, expected);
  };
}

/** A size in bytes: 1073741824, "512m", "1.5g"; `allowUnlimited` also takes -1. */
export function byteSize(min: number, allowUnlimited = false): Parse<number> {
  return (input) => {
    if (isNullNode(input.value)) return undefined;
    const written = scalarText(input.value);
    if (allowUnlimited && written === "-1") return -1;
    const bytes = written === undefined ? null : parseByteSize(written);
    const unit = min >= 1024 ** 2 ? `at least ${min / 1024 ** 2}m (the engine's minimum)` : "a size";
    if (bytes === null || bytes < min) return fail(input, `${unit} like '512m' or '1g'${allowUnlimited ? ", or -1 for unlimited" : ""}`);
    return bytes;
  };
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Parse<number> {
  return (input) => {
    if (isNullNode(input.value)) return undefined;
    const written = scalarText(input.value);
    const n = written !== undefined && /^-?\d+$/.test(written) ? Number(written) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    return fail(input, max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`);
  };
}

/** cpus: a positive number of CPUs, 0.5 or "1.5"; the engine counts in billionths. */
export const cpus: Parse<number> = (input) => {
  if (isNullNode(input.value)) return undefined;
  const written = scalarText(input.value);
  const n = written !== undefined && /^\d+(\.\d+)?$/.test(written) ? Number(written) : NaN;
  if (n >= 0.01) return n;
  return fail(input, "a number of CPUs ≥ 0.01 like 0.5 or 2");
};

/** stop_grace_period: a Go duration; the engine takes whole seconds, as compose gives it. */
const seconds: Parse<number> = (input) => {
  const written = readText(input, true);
  if (written === null) return undefined;
  const value = /^\d+$/.test(written) ? Number(written) : parseDuration(written);
  return value === null ? fail(input, "a duration like '10s' or '1m30s'", "E_DURATION") : Math.trunc(value);
};

/** A string or a list of strings (dns, dns_search, tmpfs accept both), each checked by `check`. */
function textList(itemsAre: string, check: (item: string) => boolean = () => true): Parse<string[]> {
  return (input) => {
    if (isNullNode(input.value)) return undefined;
    const items = isSeq(input.value)
      ? readScalarList(input, itemsAre)
      : scalarText(input.value) !== undefined
        ? [{ text: scalarText(input.value)!, node: input.value }]
        : (fail(input, `a list of ${itemsAre}`, "E_TYPE"), []);
    const good: string[] = [];
    for (const item of items) {
      if (check(item.text)) good.push(item.text);
      else input.ctx.error("E_VALUE", `${input.key} entries must be ${itemsAre}, got '${item.text}'`, input.ctx.loc(item.node, input.valueLoc));
    }
    return good;
  };
}

function stringMap(whatValues: string, check: (key: string, value: string) => string | null = () => null): Parse<Record<string, string>> {
  return (input) => {
    if (isNullNode(input.value)) return undefined;
    const out: Record<string, string> = {};
    for (const entry of readKeyValues(input.ctx, input.key, input.value, input.valueLoc)) {
      const problem = check(entry.key, entry.value ?? "");
      if (problem) input.ctx.error("E_VALUE", `${input.key}: ${problem}`, entry.keyLoc);
      else out[entry.key] = entry.value ?? "";
    }
    return sortedRecord(out);
  };
}

// ------------------------------------------------------------------ checks the engine would make

/** Linux capabilities the engine knows (CAP_ prefix optional, as in compose), and ALL. */
const CAPABILITIES = new Set(
  ("ALL AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND BPF CHECKPOINT_RESTORE CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID " +
    "IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN NET_BIND_SERVICE NET_BROADCAST NET_RAW " +
    "PERFMON SETFCAP SETGID SETPCAP SETUID SYSLOG SYS_ADMIN SYS_BOOT SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE " +
    "SYS_RAWIO SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG WAKE_ALARM").split(" "),
);
const isCapability = (name: string) => CAPABILITIES.has(name.toUpperCase().replace(/^CAP_/, ""));

/** Only sysctls the kernel namespaces per container can be set (the engine refuses the rest). */
const NAMESPACED_SYSCTLS = new Set(["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]);
function sysctlProblem(name: string): string | null {
  if (NAMESPACED_SYSCTLS.has(name) || /^(fs\.mqueue|net)\.[A-Za-z0-9_.\/-]+$/.test(name)) return null;
  return `'${name}' is not a namespaced sysctl: a container may set only kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.*`;
}

const ULIMITS = new Set(["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]);

/** ulimits: name → limit (soft and hard alike) or {soft, hard}; soft may not exceed hard. */
const ulimits: Parse<Record<string, Ulimit>> = (input) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return undefined;
  if (!isMap(value)) return fail(input, "a map like {nofile: {soft: 1024, hard: 4096}, nproc: 512}", "E_TYPE");
  const out: Record<string, Ulimit> = {};
  for (const entry of mapEntries(ctx, value)) {
    if (!ULIMITS.has(entry.key)) {
      ctx.error("E_VALUE", `ulimits: unknown limit '${entry.key}' (known: ${[...ULIMITS].join(", ")})`, entry.keyLoc);
      continue;
    }
    const limit = ulimitOf(ctx, entry);
    if (limit) out[entry.key] = limit;
  }
  return sortedRecord(out);
};

function ulimitOf(ctx: KeyInput["ctx"], entry: ReturnType<typeof mapEntries>[number]): Ulimit | null {
  const number = (text: string | undefined) => (text !== undefined && /^-?\d+$/.test(text) && Number(text) >= -1 ? Number(text) : null);
  if (isScalar(entry.value)) {
    const n = number(scalarText(entry.value));
    if (n !== null) return { soft: n, hard: n };
  } else if (isMap(entry.value)) {
    const fields = new Map(mapEntries(ctx, entry.value).map((e) => [e.key, scalarText(e.value)]));
    const soft = number(fields.get("soft"));
    const hard = number(fields.get("hard"));
    const unknown = [...fields.keys()].filter((k) => k !== "soft" && k !== "hard");
    if (soft !== null && hard !== null && unknown.length === 0) {
      if (hard !== -1 && (soft === -1 || soft > hard)) {
        ctx.error("E_VALUE", `ulimits.${entry.key}: soft limit ${soft} exceeds hard limit ${hard}`, entry.valueLoc);
        return null;
      }
      return { soft, hard };
    }
  }
  ctx.error("E_VALUE", `ulimits.${entry.key} must be a whole number (-1: unlimited) or {soft, hard}, got ${describe(entry.value)}`, entry.valueLoc);
  return null;
}

/** tmpfs: "/path" or "/path:size=64m,mode=1777", one or a list. */
const tmpfs: Parse<Record<string, string>> = (input) => {
  const entries = textList("absolute paths like '/run' or '/run:size=64m'", (item) => item.startsWith("/"))(input);
  if (!entries) return undefined;
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const colon = entry.indexOf(":");
    out[colon === -1 ? entry : entry.slice(0, colon)] = colon === -1 ? "" : entry.slice(colon + 1);
  }
  return sortedRecord(out);
};

/** devices: "/dev/host[:/dev/container[:rwm]]" or {source, target, permissions}; CDI names are refused. */
const devices: Parse<string[]> = (input) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return undefined;
  if (!isSeq(value)) return fail(input, "a list like ['/dev/fuse', '/dev/sda:/dev/xvda:rwm']", "E_TYPE");
  const out: string[] = [];
  for (const item of seqItems(ctx, value)) {
    const written = isMap(item) ? deviceFromMap(ctx, item) : scalarText(item);
    const device = written === undefined ? null : parseDevice(written);
    if (device) out.push(device);
    else ctx.error("E_VALUE", `devices entries must be '/dev/host[:/dev/container[:permissions]]' with permissions of r, w, m; got ${describe(item)}`, ctx.loc(item, input.valueLoc));
  }
  return out;
};

function deviceFromMap(ctx: KeyInput["ctx"], item: Parameters<typeof mapEntries>[1]): string | undefined {
  const fields = new Map(mapEntries(ctx, item).map((e) => [e.key, scalarText(e.value)]));
  const source = fields.get("source");
  if (!source) return undefined;
  return [source, fields.get("target") ?? source, fields.get("permissions") ?? "rwm"].join(":");
}

export function parseDevice(written: string): string | null {
  const [host, container = host, permissions = "rwm", ...extra] = written.split(":");
  if (extra.length > 0 || !host.startsWith("/") || !container.startsWith("/") || !/^[rwm]{1,3}$/.test(permissions)) return null;
  return `${host}:${container}:${permissions}`;
}

/** pid and ipc: the host's namespace or another container's; service:NAME is not resolved by Berth. */
function namespaceMode(modes: string[]): Parse<string> {
  return (input) => {
    const value = readText(input);
    if (value === null) return undefined;
    if (modes.includes(value) || /^container:[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) return value;
    if (value.startsWith("service:")) {
      input.ctx.error("E_UNSUPPORTED_KEY", `service '${input.service}': ${input.key}: '${value}' is not supported by Berth; use container:<name>`, input.valueLoc);
      return undefined;
    }
    return fail(input, `${modes.join(", ")} or container:<name>`);
  };
}

/** logging: {driver, options}; the engine checks the driver exists when the container is made. */
const logging: Parse<LoggingSpec> = (input) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return undefined;
  if (!isMap(value)) return fail(input, "a map like {driver: json-file, options: {max-size: 10m}}", "E_TYPE");
  const spec: LoggingSpec = { driver: null, options: {} };
  for (const entry of mapEntries(ctx, value)) {
    if (entry.key === "driver") {
      const driver = scalarText(entry.value);
      if (driver && /^[A-Za-z0-9_.\/-]+$/.test(driver)) spec.driver = driver;
      else ctx.error("E_VALUE", `logging.driver must be a driver name like json-file, got ${describe(entry.value)}`, entry.valueLoc);
    } else if (entry.key === "options") {
      for (const option of readKeyValues(ctx, "logging.options", entry.value, entry.valueLoc)) spec.options[option.key] = option.value ?? "";
      spec.options = sortedRecord(spec.options);
    } else {
      ctx.error("E_UNSUPPORTED_KEY", `service '${input.service}': logging.${entry.key} is not a compose logging key`, entry.keyLoc);
    }
  }
  return spec;
};

const MIB = 1024 ** 2;

/** Every engine-setting key, by compose name. service.ts merges these into its KEY_READERS. */
export const CONTAINER_KEY_READERS: Record<string, KeyReader> = {
  init: setting("init", bool),
  privileged: setting("privileged", bool),
  read_only: setting("read_only", bool),
  tty: setting("tty", bool),
  stdin_open: setting("stdin_open", bool),
  stop_signal: setting("stop_signal", matching(/^(SIG[A-Z0-9+-]+|[A-Z][A-Z0-9+-]*|\d+)$/, "a signal like SIGTERM, SIGINT or 15")),
  stop_grace_period: setting("stop_grace_period", seconds),
  domainname: setting("domainname", matching(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "a domain name like example.com")),
  runtime: setting("runtime", matching(/^[A-Za-z0-9_.-]+$/, "a runtime name like runc")),
  cgroup_parent: setting("cgroup_parent", text),
  platform: setting("platform", matching(/^[a-z0-9_-]+(\/[a-z0-9_-]+(\/[a-z0-9_.-]+)?)?$/, "an os[/arch[/variant]] like linux/amd64")),
  pid: setting("pid", namespaceMode(["host"])),
  ipc: setting("ipc", namespaceMode(["host", "private", "shareable", "none"])),
  cap_add: setting("cap_add", textList("capabilities like NET_ADMIN or ALL", isCapability)),
  cap_drop: setting("cap_drop", textList("capabilities like NET_RAW or ALL", isCapability)),
  security_opt: setting("security_opt", textList("options like no-new-privileges:true or seccomp=unconfined")),
  dns: setting("dns", textList("IP addresses like 1.1.1.1", (item) => isIP(item) !== 0)),
  dns_search: setting("dns_search", textList("domain names like example.com", (item) => /^[A-Za-z0-9.-]+$/.test(item))),
  dns_opt: setting("dns_opt", textList("resolver options like ndots:2", (item) => /^[A-Za-z0-9_-]+(:\S+)?$/.test(item))),
  group_add: setting("group_add", textList("group names or IDs", (item) => /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(item))),
  tmpfs: setting("tmpfs", tmpfs),
  devices: setting("devices", devices),
  sysctls: setting("sysctls", stringMap("values", sysctlProblem)),
  ulimits: setting("ulimits", ulimits),
  storage_opt: setting("storage_opt", stringMap("values")),
  logging: setting("logging", logging),
  shm_size: setting("shm_size", byteSize(1)),
  oom_score_adj: setting("oom_score_adj", integer(-1000, 1000)),
  cpu_shares: setting("cpu_shares", integer(0)),
  mem_limit: limit("mem_limit", byteSize(6 * MIB)),
  mem_reservation: limit("mem_reservation", byteSize(1)),
  memswap_limit: limit("memswap_limit", byteSize(6 * MIB, true)),
  cpus: limit("cpus", cpus),
  pids_limit: limit("pids_limit", integer(-1)),
  uts: setting("uts", matching(/^host$/, "host")),
  userns_mode: setting("userns_mode", matching(/^host$/, "host")),
  cgroup: setting("cgroup", matching(/^(host|private)$/, "host or private")),
  cpuset: setting("cpuset", matching(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, "CPUs like '0-3' or '0,2'")),
  cpu_period: setting("cpu_period", integer(1000, 1_000_000)),
  cpu_quota: setting("cpu_quota", integer(1000)),
  oom_kill_disable: setting("oom_kill_disable", bool),
  mem_swappiness: setting("mem_swappiness", integer(0, 100)),
  device_cgroup_rules: setting("device_cgroup_rules", textList("rules like 'c 1:3 mr' or 'a *:* rwm'", (item) => /^[abc] (\d+|\*):(\d+|\*) [rwm]{1,3}$/.test(item))),
  mac_address: setting("mac_address", matching(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, "a MAC address like 02:42:ac:11:00:02")),
};
