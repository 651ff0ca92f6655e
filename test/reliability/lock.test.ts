import { afterAll, describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Etcd3 } from "etcd3";
import { trackProjects, V1, V2, berth, expectExactly, report, runningNames, show, waitForOutput, webTemplate } from "./harness.js";

/**
 * Two applies at once on one project: the second is refused at once, naming the lock holder,
 * and changes nothing; the first finishes as if alone. Once with the local state file, once
 * with the etcd state backend (the shared etcd, under a prefix of this case's own).
 */
const ETCD = "127.0.0.1:2379";

describe("two applies at once on one project", () => {
  const projects = trackProjects();
  const prefixes: string[] = [];

  afterAll(async () => {
    if (prefixes.length > 0) {
      const etcd = new Etcd3({ hosts: `http://${ETCD}` });
      for (const prefix of prefixes) await etcd.delete().prefix(`/${prefix}/`).catch(() => {});
      etcd.close();
    }
  });

  for (const backend of ["local", "etcd"] as const) {
    it(`the second is refused at once naming the holder (${backend} state)`, async () => {
      const p = await projects.create(`lock${backend === "etcd" ? "e" : "l"}`);
      if (backend === "etcd") {
        p.state = `etcd://${ETCD}/${p.name}`;
        prefixes.push(p.name);
      } else {
        p.state = path.join(p.dir, "state.json");
      }
      await p.write(V1);
      await p.applyOk();

      // The first: the change with replacements (several seconds); the second: the same
      // project and state from another folder, wanting something else (scale 1).
      await p.write(V2);
      const first = p.start("apply", "--auto-approve");
      await waitForOutput(first, /Creating\.\.\.|Replacing\.\.\./, 60_000);
      const before = await runningNames(projects.docker, p.name);
      const otherDir = path.join(p.dir, "other");
      await mkdir(otherDir, { recursive: true });
      const otherFile = path.join(otherDir, "docker-compose.yml");
      await writeFile(otherFile, webTemplate({ scale: 1, environment: { OTHER: "1" } }, p.host));
      const t0 = performance.now();
      const second = await berth(["apply", "--auto-approve", "-f", otherFile, "-p", p.name, "--state", p.state], { env: p.env, cwd: otherDir });
      const refusedMs = performance.now() - t0;
      const firstStillRunning = !first.exited();

      expect(second.code, show(second)).toBe(1);
      expect(second.stderr, "the refusal names the holder's pid and command").toContain(`pid ${first.pid}`);
      expect(second.stderr).toContain("berth apply");
      expect(second.stderr).toMatch(/locked/i);
      expect(second.stdout, "the refused apply did nothing").not.toMatch(/Creating|Destroying|Replacing|Modifying/);
      // Refused at once: node's start plus reading the state and one lock attempt (~0.5 s).
      expect(refusedMs).toBeLessThan(10_000);
      expect(firstStillRunning, "the first apply still ran when the second was refused").toBe(true);
      // While the first runs, no container of the second's template (scale 1, OTHER=1) appears.
      expect(before.length).toBeGreaterThanOrEqual(3);

      const ended = await first.done;
      expect(ended.code, show(ended)).toBe(0);
      await expectExactly(projects.docker, p, V2);
      const plan = await p.run("plan", "--detailed-exitcode");
      expect(plan.code, show(plan)).toBe(0);
      if (backend === "local") expect(await readFile(p.state, "utf8")).not.toContain("OTHER");
      report(
        "lock",
        `${backend} state: second apply refused in ${Math.round(refusedMs)} ms while the first ran ` +
          `("${second.stderr.trim().split("\n")[0].slice(0, 160)}"); first finished (exit 0) with exactly its ${V2.scale} containers; plan after empty`,
      );
    });
  }
});
