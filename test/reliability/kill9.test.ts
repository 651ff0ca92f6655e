import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { Project, V1, V2, expectConverges, relSeed, report, requireDocker, seededRandom, show, type Running } from "./harness.js";

/**
 * kill -9 of `berth apply` at a random moment, half the trials during a first apply (nothing
 * yet, scale 3), half during a change with replacements (scale 3 → 6 and a new environment
 * variable, so three create-before-destroy replacements and three creations). After each kill:
 * the state loads, the next apply converges, the plan after it is empty and exactly the desired
 * containers run.
 */
const TRIALS = Number(process.env.BERTH_RELIABILITY_KILL_TRIALS ?? 20);

describe("kill -9 of berth apply at random moments", () => {
  let docker: Docker;
  let p: Project;
  const seed = relSeed();
  const random = seededRandom(seed);

  beforeAll(async () => {
    docker = await requireDocker();
    p = await Project.create("kill");
  });
  afterAll(async () => {
    await p?.dispose(docker);
  });

  it(`${TRIALS} trials converge`, async () => {
    // Calibration: how many progress lines each kind of apply prints undisturbed. A kill lands
    // after a random one of them plus a random delay, so it falls inside the apply however fast
    // or slow the machine is today (a wall-clock window measured once misses on a noisy machine).
    await p.write(V1);
    const first = await calibrate(p);
    await p.write(V2);
    const change = await calibrate(p);
    expect((await p.run("destroy", "--auto-approve")).code).toBe(0);
    report(
      "kill-9",
      `seed ${seed} (BERTH_RELIABILITY_SEED replays it); undisturbed: first apply ${first.ms} ms, ${first.lines} progress lines; ` +
        `change ${change.ms} ms, ${change.lines} progress lines`,
    );

    const results: { kind: string; killed: boolean; completedSteps: number }[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const kind = trial % 2 === 0 ? "first apply" : "change";
      const [to, calibration] = kind === "first apply" ? [V1, first] : [V2, change];
      if (kind === "first apply") {
        // A first apply starts from nothing: no state, no containers.
        const destroyed = await p.run("destroy", "--auto-approve");
        expect(destroyed.code, show(destroyed)).toBe(0);
      }
      // (a change trial starts where the converged first-apply trial before it ended: V1)
      await p.write(to);
      // after line 0 = while node starts, loads, observes and plans. The delay after a line is
      // within the apply's own pace (its undisturbed time per line), so a fast apply is still
      // killed inside, not after it: a fixed 300 ms outlasted whole first applies.
      const afterLine = Math.floor(random() * calibration.lines);
      const msPerLine = calibration.ms / Math.max(1, calibration.lines);
      const extraMs = Math.round(random() * (afterLine === 0 ? calibration.ms / 2 : msPerLine));
      const running = p.start("apply", "--auto-approve");
      if (afterLine > 0) await waitForProgressLines(running, afterLine, 120_000);
      await sleep(extraMs);
      const killed = !running.exited();
      running.child.kill("SIGKILL");
      const ended = await running.done;
      const completedSteps = (ended.stdout.match(/complete after/g) ?? []).length;
      const converged = await expectConverges(docker, p, to);
      results.push({ kind, killed, completedSteps });
      report(
        "kill-9",
        `trial ${trial + 1}/${TRIALS} (${kind}): SIGKILL ${extraMs} ms after progress line ${afterLine}/${calibration.lines} ` +
          `${killed ? `(${completedSteps} steps had completed)` : "(apply had already finished)"}; ` +
          `next apply: ${converged.summary}; plan empty; ${to.scale} containers exactly`,
      );
    }
    const killedMid = results.filter((r) => r.killed).length;
    const withWork = results.filter((r) => r.killed && r.completedSteps > 0).length;
    report(
      "kill-9",
      `${results.length}/${TRIALS} trials converged (${results.filter((r) => r.kind === "change").length} during a change with replacements); ` +
        `${killedMid} killed mid-apply, ${withWork} of them after some steps had completed`,
    );
    // A trial where the apply had already finished proves nothing: most must be real kills.
    expect(killedMid).toBeGreaterThanOrEqual(Math.ceil(TRIALS * 0.7));
  });
});

/** Lines an apply prints after its plan ("x: Creating...", "x: Creation complete after", router lines), before the summary. */
function progressLines(stdout: string): number {
  const afterPlan = stdout.split(/^Plan: .*$/m)[1] ?? "";
  return afterPlan.split("\n").filter((l) => /^\S+: /.test(l)).length;
}

async function waitForProgressLines(running: Running, count: number, deadlineMs: number): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (progressLines(running.output().stdout) < count && !running.exited()) {
    if (performance.now() > deadline) throw new Error(`apply printed fewer than ${count} progress lines in ${deadlineMs} ms`);
    await sleep(5);
  }
}

async function calibrate(p: Project): Promise<{ ms: number; lines: number }> {
  const t0 = performance.now();
  const r = await p.applyOk();
  return { ms: Math.round(performance.now() - t0), lines: progressLines(r.stdout) };
}
