import { join } from "node:path";
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../../src/core/process.js";
import { livePid } from "./nginx.js";
import { defaultRouterDir } from "./settings.js";

/**
 * Stops the router of `dir` (for tests and scripts): only the pid in its pid file, and only if
 * that process is the nginx master of this router. Graceful first (SIGQUIT: requests in flight
 * finish), SIGTERM after `timeoutMs`. Resolves true if a master was stopped.
 */
export async function stopRouter(dir: string = defaultRouterDir(), timeoutMs = 5_000): Promise<boolean> {
  const pidFile = join(dir, "nginx.pid");
  const pid = livePid(pidFile, join(dir, "current", "nginx.conf"));
  if (pid === null) return false;
  process.kill(pid, "SIGQUIT");
  const deadline = performance.now() + timeoutMs;
  while (isAlive(pid)) {
    if (performance.now() > deadline) {
      process.kill(pid, "SIGTERM");
      await waitGone(pid, 2_000);
      break;
    }
    await sleep(20);
  }
  rmSync(pidFile, { force: true });
  return true;
}

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (isAlive(pid) && performance.now() < deadline) await sleep(20);
}
