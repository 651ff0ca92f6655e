import { execFile, spawn } from "node:child_process";
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { UserError } from "../../src/core/errors.js";
import { isAlive } from "../../src/core/process.js";
import { NGINX_BINARY, STREAM_MODULE } from "./settings.js";

/** The nginx binary and its master process: validate a configuration, start, signal, find. */

export function nginxBinary(path: string = process.env.BERTH_NGINX || NGINX_BINARY): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new UserError("E_ROUTER", `nginx not found at ${path}: install Debian's nginx package (npm run engines)`);
  }
  return path;
}

/** Path of the stream module when the installed nginx has it (Debian: libnginx-mod-stream). */
export function streamModule(path: string = STREAM_MODULE): string | null {
  return existsSync(path) ? path : null;
}

/** `nginx -t`: resolves, or rejects with nginx's own message. */
export function testConfig(nginx: string, prefix: string, conf: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(nginx, ["-t", "-q", "-p", prefix, "-c", conf], { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      reject(new UserError("E_ROUTER", `nginx rejected the new router configuration:\n${nginxMessage(stderr) || error.message}`));
    });
  });
}

/**
 * Starts a master in the background (nginx daemonizes once its sockets are bound). Resolves
 * when the starting process exits 0; the master's pid is then in the pid file.
 */
export function startMaster(nginx: string, prefix: string, conf: string, outputFile: string): Promise<void> {
  const output = openSync(outputFile, "w");
  return new Promise<void>((resolve, reject) => {
    const child = spawn(nginx, ["-p", prefix, "-c", conf], { stdio: ["ignore", output, output], detached: true });
    child.once("error", (e) => reject(new UserError("E_ROUTER", `could not run ${nginx}: ${e.message}`)));
    child.once("exit", (code, signal) => {
      if (code === 0) return resolve();
      const message = nginxMessage(readFileSync(outputFile, "utf8"));
      reject(new UserError("E_ROUTER", `the router (nginx) did not start: ${message || `exit ${code ?? signal}`}`));
    });
  }).finally(() => closeSync(output));
}

/**
 * The master's pid from its pid file, if that process is alive and is the nginx master of
 * this configuration (a pid file can outlive its process, and pids are reused).
 */
export function livePid(pidFile: string, conf: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 1) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return null;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    return cmdline.includes("nginx: master process") && cmdline.includes(conf) ? pid : null;
  } catch {
    return null;
  }
}

/** The master's worker processes (its children), from /proc. */
export function workerPids(master: number): number[] {
  try {
    return readFileSync(`/proc/${master}/task/${master}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Kernels without CONFIG_PROC_CHILDREN: find the processes whose parent is the master.
    const children: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === master) children.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return children;
  }
}

/**
 * A worker of an earlier generation no longer takes connections: it has exited, or it has been
 * told to shut down (nginx retitles it just before it closes its listening sockets).
 */
export function isRetired(pid: number): boolean {
  if (!isAlive(pid)) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("is shutting down");
  } catch {
    return true;
  }
}

/**
 * nginx's own lines, each once, as "[emerg] bind() to … failed": without the "nginx: " prefix,
 * the time and pid of the error-log format, or the "test failed" trailer.
 */
export function nginxMessage(output: string): string {
  const lines = output
    .split("\n")
    .map((l) =>
      l
        .replace(/^nginx: /, "")
        .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (?=\[)/, "")
        .replace(/^(\[\w+\]) \d+#\d+: /, "$1 ")
        .trim(),
    )
    .filter((l) => l !== "" && !/configuration file .* test (failed|is successful)/.test(l) && !/syntax is ok/.test(l));
  return [...new Set(lines)].join("\n");
}
