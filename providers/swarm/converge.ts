import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import { canonicalJson } from "../../src/core/hash.js";

export interface ConvergeOptions {
  address: string;
  /** The compose service's name, for messages. */
  service: string;
  serviceId: string;
  replicas: number;
  /** The image reference every running task must run. */
  image: string;
  /** Date.now() when the create or update was sent: an UpdateStatus older than that is an earlier update's. */
  issuedAt: number;
  timeoutMs: number;
  aborted(): boolean;
  log(message: string): void;
}

const POLL_MS = 500;
/** An update that changes no task (replicas, labels) starts no rolling update: after this, tasks alone decide. */
const UPDATE_START_GRACE_MS = 3_000;

/** What judgeConvergence reads of a service, as the engine's inspect answers. */
export interface ServiceView {
  Spec?: { TaskTemplate?: unknown; Mode?: { Replicated?: { Replicas?: number } } };
  UpdateStatus?: Docker.UpdateStatus;
}

export interface TaskInfo {
  ID: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; Message?: string; Timestamp?: string };
  Spec?: { ContainerSpec?: { Image?: string } } & Record<string, unknown>;
}

/**
 * Waits until the swarm has converged on the service as sent (judgeConvergence says when), and
 * throws what it judges wrong. Interrupted or timed out, it stops waiting; the swarm carries on.
 */
export async function waitForConvergence(docker: Docker, opts: ConvergeOptions): Promise<{ tasksRunning: number }> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastState = "";
  for (;;) {
    const service = (await docker.getService(opts.serviceId).inspect()) as ServiceView;
    const tasks = (await docker.listTasks({ filters: { service: [opts.serviceId] } })) as TaskInfo[];
    const verdict = judgeConvergence(service, tasks, opts, Date.now());
    if (verdict.updateState && verdict.updateState !== lastState) {
      lastState = verdict.updateState;
      opts.log(`update ${verdict.updateState}${service.UpdateStatus?.Message ? `: ${service.UpdateStatus.Message}` : ""}`);
    }
    if (verdict.kind === "converged") return { tasksRunning: verdict.tasksRunning };
    if (verdict.kind === "failed") throw new UserError(verdict.code, verdict.message, { address: opts.address });
    if (opts.aborted()) throw new UserError("E_INTERRUPTED", `service ${opts.service}: stopped waiting for the swarm (interrupted); the swarm carries on with the update`, { address: opts.address });
    if (Date.now() > deadline) {
      if (verdict.kind === "waiting" && verdict.failure) throw new UserError(verdict.failure.code, verdict.failure.message, { address: opts.address });
      throw new UserError(
        "E_SWARM_TIMEOUT",
        `service ${opts.service}: ${verdict.tasksRunning} of ${opts.replicas} tasks running after ${Math.round(opts.timeoutMs / 1000)}s${taskError(tasks, opts.issuedAt)}`,
        { address: opts.address },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export type Verdict =
  | { kind: "converged"; tasksRunning: number; updateState?: string }
  /** `failure`: what will be reported once the swarm has settled (a rollback's tasks still starting), or if it never does. */
  | { kind: "waiting"; tasksRunning: number; updateState?: string; failure?: { code: string; message: string } }
  | { kind: "failed"; code: string; message: string; updateState?: string };

/**
 * Whether the swarm has converged on the service as sent, from one look at the service and its
 * tasks: its rolling update completed (UpdateStatus) and every desired task running the new image
 * (with a healthcheck, a task is "running" only once healthy). A paused or rolled-back update is
 * a failure naming the service and the tasks' own error; so is a new service whose tasks keep
 * failing with none running. Pure: `now` is given.
 */
export function judgeConvergence(service: ServiceView, tasks: readonly TaskInfo[], opts: Pick<ConvergeOptions, "service" | "replicas" | "image" | "issuedAt">, now: number): Verdict {
  const update = service.UpdateStatus;
  // An UpdateStatus from before this change is an earlier update's.
  const current = update?.StartedAt && Date.parse(update.StartedAt) >= opts.issuedAt - 1000 ? update : undefined;
  const updateState = current?.State;
  // A rollback is waited out: once it ends, what runs is the previous spec, which the state still records.
  if (updateState === "paused" || updateState === "rollback_paused" || updateState === "rollback_completed") {
    const what = updateState === "paused" ? "the swarm paused the update" : "the swarm rolled the update back";
    const failure = { code: "E_SWARM_UPDATE_FAILED", message: `service ${opts.service}: ${what} (${current?.Message ?? updateState})${taskError(tasks, opts.issuedAt)}` };
    // A completed rollback may still be starting the previous spec's tasks: the failure is told
    // once they run, so what apply records and the next plan sees is what really runs.
    if (updateState === "rollback_completed" && !previousSpecRuns(service, tasks)) return { kind: "waiting", tasksRunning: 0, updateState, failure };
    return { kind: "failed", ...failure, updateState };
  }
  // Before the swarm has said it started an update, a task whose spec is not the service's new
  // one may still be replaced; a swarm that finds no task to replace starts none (a placement
  // the task still meets, only replicas or labels changed): after a grace period tasks decide.
  const template = canonicalJson(service.Spec?.TaskTemplate ?? {});
  const stale = tasks.some((t) => t.DesiredState === "running" && canonicalJson(t.Spec ?? {}) !== template);
  const updating = updateState === "updating" || updateState === "rollback_started" || (!current && now - opts.issuedAt < UPDATE_START_GRACE_MS && stale);
  const running = tasks.filter((t) => t.DesiredState === "running" && t.Status?.State === "running");
  const ours = running.filter((t) => image(t) === opts.image);
  if (!updating && ours.length === opts.replicas && running.length === ours.length) return { kind: "converged", tasksRunning: ours.length, updateState };
  const failedSince = tasks.filter((t) => t.Status?.State && ["failed", "rejected"].includes(t.Status.State) && taskTime(t) >= opts.issuedAt - 1000);
  // A create has no rollback: tasks that fail again and again with none up is the answer.
  if (!current && ours.length === 0 && failedSince.length >= Math.max(3, opts.replicas * 2)) {
    return { kind: "failed", code: "E_SWARM_TASKS_FAILING", message: `service ${opts.service}: ${failedSince.length} tasks failed and none runs${taskError(tasks, opts.issuedAt)}`, updateState };
  }
  return { kind: "waiting", tasksRunning: ours.length, updateState };
}

/**
 * Every task the rolled-back service wants runs (the swarm wants only the previous spec's tasks
 * once the rollback completed; a task spec is not compared, the engine fills in fields its
 * template lacks).
 */
function previousSpecRuns(service: ServiceView, tasks: readonly TaskInfo[]): boolean {
  const wanted = tasks.filter((t) => t.DesiredState === "running");
  const replicas = service.Spec?.Mode?.Replicated?.Replicas ?? wanted.length;
  const running = wanted.filter((t) => t.Status?.State === "running");
  return running.length >= replicas && running.length === wanted.length;
}

function image(t: TaskInfo): string {
  return t.Spec?.ContainerSpec?.Image ?? "";
}

function taskTime(t: TaskInfo): number {
  return t.Status?.Timestamp ? Date.parse(t.Status.Timestamp) : 0;
}

/** The most recent task error since the change was sent, in the engine's words. */
function taskError(tasks: readonly TaskInfo[], since: number): string {
  const failed = tasks
    .filter((t) => (t.Status?.Err || ["failed", "rejected"].includes(t.Status?.State ?? "")) && taskTime(t) >= since - 1000)
    .sort((a, b) => taskTime(b) - taskTime(a));
  const last = failed[0];
  if (!last) return "";
  return `; task error: ${last.Status?.Err || last.Status?.Message || last.Status?.State}`;
}
