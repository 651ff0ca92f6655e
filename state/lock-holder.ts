import { hostname } from "node:os";
import type { LockHolder } from "./backend.js";

/**
 * A holder that ran on this host and whose process is gone: its lock is abandoned (a kill -9,
 * a crash) and may be taken over at once, by either backend, instead of making the user wait
 * for it to go stale.
 */
export function isDeadOnThisHost(holder: LockHolder): boolean {
  if (holder.host !== hostname() || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}
