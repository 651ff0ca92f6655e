import { readFileSync } from "node:fs";

/**
 * Whether a process of ours runs: it exists, is not a zombie waiting to be reaped, and can be
 * signalled by us (a pid the system gave to another user's process is not ours).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
