import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { judgeConvergence, type ServiceView, type TaskInfo } from "../../../providers/swarm/converge.js";

/** One look at a service and its tasks, as the manager answers, built by hand. */
const ISSUED = Date.parse("2026-12-03T15:00:00Z");
const NEW = "berth/web:2@sha256:" + "b".repeat(64);
const OLD = "berth/web:1@sha256:" + "a".repeat(64);
const opts = { service: "web", replicas: 2, image: NEW, issuedAt: ISSUED };
const template = (image: string) => ({ ContainerSpec: { Image: image, Env: ["A=1"] } });

function service(update?: Docker.UpdateStatus, image = NEW): ServiceView {
  return { Spec: { TaskTemplate: template(image) }, ...(update ? { UpdateStatus: update } : {}) };
}

function task(id: string, image: string, state: string, desired = "running", extra: Partial<TaskInfo["Status"]> = {}): TaskInfo {
  return { ID: id, DesiredState: desired, Status: { State: state, Timestamp: new Date(ISSUED + 2000).toISOString(), ...extra }, Spec: template(image) };
}

const at = (ms: number) => ISSUED + ms;
const started = (state: Docker.UpdateState, message?: string): Docker.UpdateStatus => ({ State: state, StartedAt: new Date(ISSUED + 100).toISOString(), ...(message ? { Message: message } : {}) });

describe("judgeConvergence", () => {
  it("converged: the update completed and every desired task runs the new image", () => {
    const v = judgeConvergence(service(started("completed")), [task("t1", NEW, "running"), task("t2", NEW, "running"), task("t0", OLD, "shutdown", "shutdown")], opts, at(20_000));
    expect(v).toEqual({ kind: "converged", tasksRunning: 2, updateState: "completed" });
  });

  it("waits while the swarm rolls, and while an old task still runs", () => {
    expect(judgeConvergence(service(started("updating")), [task("t1", NEW, "running"), task("t2", NEW, "running")], opts, at(5000)).kind).toBe("waiting");
    expect(judgeConvergence(service(started("completed")), [task("t1", NEW, "running"), task("t2", OLD, "running")], opts, at(5000)).kind).toBe("waiting");
  });

  it("an earlier update's status is not this one's: before the swarm starts, stale tasks mean wait", () => {
    const earlier: Docker.UpdateStatus = { State: "completed", StartedAt: new Date(ISSUED - 60_000).toISOString() };
    const tasks = [task("t1", OLD, "running"), task("t2", OLD, "running")];
    // The environment changed, not the image: the task specs differ from the service's template.
    const envChange = { ...opts, image: OLD };
    const svc: ServiceView = { UpdateStatus: earlier, Spec: { TaskTemplate: { ContainerSpec: { Image: OLD, Env: ["A=2"] } } } };
    expect(judgeConvergence(svc, tasks, envChange, at(500)).kind).toBe("waiting");
    // A swarm that starts no update (nothing in the tasks to replace) is converged after the grace period.
    expect(judgeConvergence(svc, tasks, envChange, at(10_000)).kind).toBe("converged");
  });

  it("a paused update fails naming the service and the task's error", () => {
    const v = judgeConvergence(
      service(started("paused", "update paused due to failure or early termination of task x1")),
      [task("t1", OLD, "running"), task("x1", NEW, "failed", "shutdown", { Err: "task: non-zero exit (3)" })],
      opts,
      at(8000),
    );
    expect(v).toEqual({
      kind: "failed",
      code: "E_SWARM_UPDATE_FAILED",
      message: "service web: the swarm paused the update (update paused due to failure or early termination of task x1); task error: task: non-zero exit (3)",
      updateState: "paused",
    });
  });

  it("a rollback is waited out, then fails naming the service", () => {
    const tasks = [task("t1", OLD, "running"), task("x1", NEW, "failed", "shutdown", { Err: "task: non-zero exit (3)" })];
    expect(judgeConvergence(service(started("rollback_started")), tasks, opts, at(8000)).kind).toBe("waiting");
    // Rolled back, the service's spec is the previous one again.
    const v = judgeConvergence(service(started("rollback_completed", "rollback completed"), OLD), tasks, opts, at(15_000));
    expect(v.kind === "failed" && v.message).toBe("service web: the swarm rolled the update back (rollback completed); task error: task: non-zero exit (3)");
  });

  it("a completed rollback whose previous tasks still start is waited out before the failure is told", () => {
    const starting = [task("t1", OLD, "running"), task("t2", OLD, "starting"), task("x1", NEW, "failed", "shutdown", { Err: "task: non-zero exit (3)" })];
    const v = judgeConvergence(service(started("rollback_completed", "rollback completed"), OLD), starting, opts, at(15_000));
    expect(v).toMatchObject({ kind: "waiting", failure: { code: "E_SWARM_UPDATE_FAILED" } });
    const settled = [task("t1", OLD, "running"), task("t2", OLD, "running"), starting[2]];
    expect(judgeConvergence(service(started("rollback_completed", "rollback completed"), OLD), settled, opts, at(16_000)).kind).toBe("failed");
  });

  it("a new service whose tasks keep failing with none up fails instead of waiting for the timeout", () => {
    const failing = ["a", "b", "c", "d"].map((id) => task(id, NEW, "rejected", "shutdown", { Err: "No such image: berth/web:2" }));
    const v = judgeConvergence(service(), failing, opts, at(9000));
    expect(v.kind === "failed" && v.code).toBe("E_SWARM_TASKS_FAILING");
    expect(v.kind === "failed" && v.message).toBe("service web: 4 tasks failed and none runs; task error: No such image: berth/web:2");
    expect(judgeConvergence(service(), failing.slice(0, 2), opts, at(9000)).kind).toBe("waiting");
  });
});
