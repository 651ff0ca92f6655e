import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { Project, V1, V2, expectConverges, relSeed, report, requireDocker, seededRandom, show, type Version } from "./harness.js";

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
    if (p) {
      await p.run("destroy", "--auto-approve").catch(() => {});
      await p.cleanup(docker);
    }
  });

  it(`${TRIALS} trials converge`, async () => {
    // Calibration: how long each kind of apply takes undisturbed; kills land uniformly inside it.
    await p.write(V1);
    const first = await timedApply(p);
    await p.write(V2);
    const change = await timedApply(p);
    expect((await p.run("destroy", "--auto-approve")).code).toBe(0);
    report("kill-9", `seed ${seed} (BERTH_RELIABILITY_SEED replays it); undisturbed first apply ${ms(first)}, change ${ms(change)}`);

    const results: { kind: string; delay: number; killed: boolean; completedSteps: number; converge: string }[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const kind = trial % 2 === 0 ? "first apply" : "change";
      const [from, to, window] = kind === "first apply" ? [null, V1, first] : [V1, V2, change];
      if (from === null) {
        // A first apply starts from nothing: no state, no containers.
        const destroyed = await p.run("destroy", "--auto-approve");
        expect(destroyed.code, show(destroyed)).toBe(0);
      }
      // (a change trial starts where the converged first-apply trial before it ended: V1)
      await p.write(to);
      const delay = Math.round(random() * window);
      const running = p.start("apply", "--auto-approve");
      await sleep(delay);
      const killed = !running.exited();
      running.child.kill("SIGKILL");
      const ended = await running.done;
      const completedSteps = (ended.stdout.match(/complete after/g) ?? []).length;
      const converged = await expectConverges(docker, p, to as Version);
      results.push({ kind, delay, killed, completedSteps, converge: converged.summary });
      report(
        "kill-9",
        `trial ${trial + 1}/${TRIALS} (${kind}): SIGKILL at ${delay} ms ${killed ? `(${completedSteps} steps had completed)` : "(apply had already finished)"}; ` +
          `next apply: ${converged.summary}; plan empty; ${to.scale} containers exactly`,
      );
    }
    const killedMid = results.filter((r) => r.killed).length;
    const withWork = results.filter((r) => r.killed && r.completedSteps > 0).length;
    report(
      "kill-9",
      `${results.length}/${TRIALS} trials converged (${results.filter((r) => r.kind === "change").length} during a change with replacements); ` +
        `${killedMid} killed mid-apply, ${withWork} of them after some steps completed`,
    );
    // A trial where the apply had already finished proves nothing: most must be real kills.
    expect(killedMid).toBeGreaterThanOrEqual(Math.ceil(TRIALS * 0.6));
  });
});

async function timedApply(p: Project): Promise<number> {
  const t0 = performance.now();
  await p.applyOk();
  return performance.now() - t0;
}

function ms(n: number): string {
  return `${Math.round(n)} ms`;
}
