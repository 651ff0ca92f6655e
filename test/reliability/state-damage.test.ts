import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, openSync, closeSync, writeSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { trackProjects, V1, V2, bytesOf, expectConverges, projectContainers, report, show, waitForOutput } from "./harness.js";

/**
 * A damaged state file (truncated, bytes flipped by hand, valid JSON of the wrong shape, empty)
 * is refused with an error naming the file and its backup, and nothing changes: no container,
 * no byte of the state or the backup. A state write that fails for lack of space (a small tmpfs
 * as the state folder) stops the apply, leaves the previous state and its backup intact, and
 * says what happened; once there is room again the next apply converges.
 */
describe("damaged state and a full state disk", () => {
  const projects = trackProjects();

  it("a truncated or hand-corrupted state file is refused, naming the file and the backup; nothing changes", async () => {
    const p = await projects.create("corrupt");
    await p.write(V1);
    await p.applyOk();
    await p.write(V2); // so that an apply that wrongly went ahead would change containers
    const good = (await readFile(p.statePath, "utf8"))!;
    const backupPath = `${p.statePath}.backup`;
    const backup = await bytesOf(backupPath);
    expect(backup, "a backup exists after an apply of several steps").not.toBeNull();
    const idsBefore = (await projectContainers(projects.docker, p.name)).map((c) => c.Id).sort();

    const damages: Record<string, string> = {
      "truncated to half": good.slice(0, Math.floor(good.length / 2)),
      "truncated to 0 bytes": "",
      "a byte flipped": good.replace(/"serial": (\d+)/, '"serial": $1x'),
      "resources not a list": good.replace(/"resources": \[/, '"resources": {"x": [').replace(/\]\n\}\n$/, "]}\n}\n"),
      "a resource without address": good.replace(/"address": "container\.web\[1\]",/, ""),
      "serial negative": good.replace(/"serial": \d+/, '"serial": -4'),
    };
    let refusals = 0;
    for (const [what, text] of Object.entries(damages)) {
      expect(text, `${what} really damages the file`).not.toBe(good);
      await writeFile(p.statePath, text);
      for (const args of [["plan"], ["apply", "--auto-approve"], ["state", "list"], ["show"], ["destroy", "--auto-approve"]]) {
        const r = await p.run(...args);
        expect(r.code, `${what}: berth ${args.join(" ")} refuses\n${show(r)}`).toBe(1);
        expect(r.stderr, `${what}: berth ${args.join(" ")} names the file`).toContain(p.statePath);
        expect(r.stderr, `${what}: berth ${args.join(" ")} names the backup`).toContain(backupPath);
        expect(r.stderr, `${what}: berth ${args.join(" ")} says it is corrupt`).toMatch(/corrupt/);
        expect(r.stderr, `${what}: berth ${args.join(" ")} is a clear error, not a crash`).not.toMatch(/internal error|at .*\.mjs:\d+/);
        expect(r.stdout, `${what}: berth ${args.join(" ")} did nothing`).not.toMatch(/Creating|Destroying|Replacing|Modifying/);
        refusals++;
      }
      expect(await readFile(p.statePath, "utf8"), `${what}: the damaged file is left as it was for the user to inspect`).toBe(text);
      expect(await bytesOf(backupPath), `${what}: the backup is intact`).toEqual(backup);
      expect((await projectContainers(projects.docker, p.name)).map((c) => c.Id).sort(), `${what}: no container changed`).toEqual(idsBefore);
    }
    // The error's advice works: the backup copied over the file gives a state that loads.
    await writeFile(p.statePath, backup!);
    const converged = await expectConverges(projects.docker, p, V2);
    report(
      "corrupt-state",
      `${Object.keys(damages).length} damages (${Object.keys(damages).join(", ")}) × 5 commands: ${refusals} refusals naming file and backup, ` +
        `0 containers changed, state and backup bytes unchanged; restored from the backup, the next apply converged (${converged.summary})`,
    );
  });

  it("a state write failing for lack of space stops the apply; the previous state and its backup are intact", async () => {
    const p = await projects.create("nospace");
    const stateDir = path.join(p.dir, "state");
    await mkdir(stateDir, { recursive: true });
    // Room for a few state files (each ~11 KB with 3 routed replicas), and a filler to use it up.
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", stateDir]);
    try {
      p.state = path.join(stateDir, `${p.name}.state.json`);
      await p.write(V1);
      await p.applyOk();
      const backupPath = `${p.state}.backup`;
      const state = await bytesOf(p.state);
      const backup = await bytesOf(backupPath);
      expect(backup).not.toBeNull();
      const filler = path.join(stateDir, "filler");
      const idsBefore = (await projectContainers(projects.docker, p.name)).map((c) => c.Id).sort();
      await p.write(V2);

      // A disk already full: refused before anything is applied.
      const fillerBytes = fillUp(filler);
      const full = await p.run("apply", "--auto-approve");
      expect(full.code, show(full)).toBe(1);
      expect(full.stderr, "the error says what happened").toMatch(/no space left on device/i);
      expect(full.stderr, "a clear error, not a crash").not.toMatch(/internal error/);
      expect((await projectContainers(projects.docker, p.name)).map((c) => c.Id).sort(), "nothing changed").toEqual(idsBefore);
      await rm(filler);

      // The disk fills while the apply runs: the next state write fails.
      const running = p.start("apply", "--auto-approve");
      await waitForOutput(running, /Creating\.\.\.|Replacing\.\.\./, 60_000);
      fillUp(filler);
      const r = await running.done;
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr, "the error says what happened").toMatch(/no space left on device/i);
      expect(r.stderr, "the error names the state").toContain(p.state);
      expect(r.stderr, "a clear error, not a crash").not.toMatch(/internal error/);
      expect(await bytesOf(p.state), "the previous state is intact").toEqual(state);
      expect(await bytesOf(backupPath), "its backup is intact").toEqual(backup);
      const leftovers = (await readdir(stateDir)).filter((f) => ![path.basename(p.state!), path.basename(backupPath), "filler"].includes(f));
      expect(leftovers, "no temporary files left in the state folder").toEqual([]);
      // It stopped: steps in flight finished, nothing new started after the failed write.
      const completed = (r.stdout.match(/complete after/g) ?? []).length;
      const started = (r.stdout.match(/Creating\.\.\.|Replacing\.\.\.|Modifying\.\.\.|Destroying\.\.\./g) ?? []).length;
      const skipped = (r.stdout + r.stderr).match(/state could not be saved/g)?.length ?? 0;
      expect(started, "not every step started").toBeLessThan(8);
      const idsAfter = (await projectContainers(projects.docker, p.name)).map((c) => c.Id).sort();

      await rm(filler);
      const converged = await expectConverges(projects.docker, p, V2);
      report(
        "disk-full",
        `tmpfs of 256 KiB as the state folder; full before the apply (${Math.round(fillerBytes / 1024)} KiB filler): exit 1, "${firstErrorLine(full.stderr)}", nothing changed; ` +
          `filled during the apply: exit 1 ("${firstErrorLine(r.stderr)}"); ${started} of 8 steps started, ${completed} completed, ${skipped} skipped; ` +
          `state and backup bytes unchanged; no temporary files; ` +
          `${idsAfter.filter((id) => !idsBefore.includes(id)).length} containers made before it stopped; with room again: ${converged.summary}`,
      );
    } finally {
      execFileSync("umount", [stateDir]);
    }
  });
});

/** Writes to `file` until the file system is full; returns the bytes written. */
function fillUp(file: string): number {
  const fd = openSync(file, "w");
  const block = Buffer.alloc(4096, 0x61);
  let written = 0;
  try {
    for (;;) {
      try {
        written += writeSync(fd, block);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOSPC") break;
        throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  if (!existsSync(file)) throw new Error("filler vanished");
  return written;
}

function firstErrorLine(stderr: string): string {
  return (stderr.split("\n").find((l) => /error|Error|ENOSPC|space/.test(l)) ?? stderr.split("\n")[0]).trim().slice(0, 200);
}
