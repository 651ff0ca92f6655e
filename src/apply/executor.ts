import pLimit from "p-limit";
import { UserError } from "../core/errors.js";
import type { ApplyEvent, ApplySummary } from "../core/events.js";
import { hasAction, isNoOp, type Plan, type ResourceChange } from "../core/plan.js";
import type { ApplyContext, Provider, ReplaceInSteps } from "../core/provider.js";
import { referencedAddresses, resolveReference } from "../core/references.js";
import type { Address, Attributes, ProviderName } from "../core/types.js";
import { compareAddresses } from "../model/addresses.js";
import { prerequisites } from "./schedule.js";
import { StateRecorder } from "./state-recorder.js";

export interface ExecuteOptions {
  plan: Plan;
  providers: ReadonlyMap<ProviderName, Provider>;
  recorder: StateRecorder;
  parallelism: number;
  emit(event: ApplyEvent): void;
  /** Set by the CLI on the first Ctrl-C: nothing new starts, in-flight steps finish. */
  stopSignal: { stopped: boolean };
  /** Monotonic milliseconds (injected so the executor is testable without a clock). */
  now(): number;
}

/**
 * Walks the plan's graph with bounded parallelism, saving state after every change it
 * completes. It decides nothing: every action comes from the plan. Values the plan knew only
 * after apply are filled in from what the referenced resources recorded, and a
 * create-before-destroy replacement whose provider does it in steps hands over between them:
 * the new object is made, the changes referring to it move over, then the old one goes.
 */
export async function executePlan(opts: ExecuteOptions): Promise<ApplySummary> {
  const { plan, providers, recorder, emit, stopSignal } = opts;
  const started = opts.now();
  const steps = plan.changes.filter((c) => !isNoOp(c));
  const stepAt = new Map(steps.map((c) => [c.address, c]));
  const waitFor = prerequisites(plan.changes);
  const done = new Map<Address, Promise<boolean>>();
  const limit = pLimit(Math.max(1, opts.parallelism));
  const rolling = rollingLimits(steps, providers);
  const referrers = referrersOf(steps);
  const handOvers: Promise<void>[] = [];
  const summary: ApplySummary = { added: 0, changed: 0, destroyed: 0, failed: 0, skipped: 0, ms: 0, interrupted: false };
  let failed = false;

  const ctxFor = (change: ResourceChange | null): ApplyContext => ({
    project: plan.project,
    log: (message) => emit({ kind: "step-log", address: change?.address ?? "provider", message }),
    get aborted() {
      return stopSignal.stopped;
    },
    recordedAttributes: (address) => recorder.attributesOf(address),
    recorded: () => recorder.resources(),
  });

  /**
   * The second half of a replacement in steps. It runs whatever else happens (an error
   * elsewhere, Ctrl-C): two objects for one address, one of them unrecorded, is the worse end.
   */
  const handOver = async (change: ResourceChange, inSteps: ReplaceInSteps, created: Attributes, t0: number): Promise<void> => {
    const movers = referrers.get(change.address) ?? [];
    const moved = await Promise.all(movers.map((a) => run(stepAt.get(a)!)));
    const ctx = ctxFor(change);
    try {
      if (moved.every(Boolean)) {
        const final = await limit(() => inSteps.destroyDeposed(change, created, ctx));
        await recorder.record(change.address, change, final);
        count(summary, change);
        emit({ kind: "step-done", address: change.address, actions: change.actions, ms: opts.now() - t0 });
      } else {
        const stuck = movers.filter((_, i) => !moved[i]).join(", ");
        await inSteps.abandon(change, created, ctx);
        await recorder.record(change.address, change, change.before);
        summary.skipped++;
        emit({ kind: "step-skipped", address: change.address, reason: `${stuck} did not move over to the new one: it is removed again, the old one keeps running` });
      }
    } catch (e) {
      failed = true;
      summary.failed++;
      const error = e instanceof UserError ? e : new UserError("E_APPLY", e instanceof Error ? e.message : String(e), { address: change.address });
      emit({ kind: "step-failed", address: change.address, actions: change.actions, ms: opts.now() - t0, error });
    }
  };

  const run = (change: ResourceChange): Promise<boolean> => {
    const existing = done.get(change.address);
    if (existing) return existing;
    const promise = (async () => {
      const deps = await Promise.all((waitFor.get(change.address) ?? []).map((a) => run(stepAt.get(a)!)));
      if (!deps.every(Boolean)) {
        summary.skipped++;
        emit({ kind: "step-skipped", address: change.address, reason: "a change it depends on did not complete" });
        return false;
      }
      const rollingLimit = rolling.get(change.address);
      const limited = <T>(fn: () => Promise<T>) => (rollingLimit ? rollingLimit(() => limit(fn)) : limit(fn));
      return limited(async () => {
        if (failed || stopSignal.stopped || recorder.saveFailed) {
          summary.skipped++;
          const reason = recorder.saveFailed ? "the state could not be saved" : failed ? "apply stopped after an error" : "interrupted";
          emit({ kind: "step-skipped", address: change.address, reason });
          return false;
        }
        const t0 = opts.now();
        emit({ kind: "step-start", address: change.address, actions: change.actions });
        try {
          const provider = providers.get(change.provider);
          if (!provider) throw new UserError("E_PROVIDER", `no ${change.provider} provider is configured`, { address: change.address });
          const ready = withKnownValues(change, recorder);
          const inSteps = isCreateBeforeDestroy(ready) && provider.replaceInSteps?.appliesTo(ready) ? provider.replaceInSteps : null;
          if (inSteps) {
            const created = await inSteps.create(ready, ctxFor(change));
            await recorder.record(change.address, change, created);
            if (referrers.has(change.address)) emit({ kind: "step-log", address: change.address, message: `ready; the old one stays until ${referrers.get(change.address)!.join(", ")} moved over` });
            handOvers.push(handOver(ready, inSteps, created, t0));
            return true;
          }
          const result = await provider.apply(ready, ctxFor(change));
          await recorder.record(change.address, change, result);
          count(summary, change);
          emit({ kind: "step-done", address: change.address, actions: change.actions, ms: opts.now() - t0 });
          return true;
        } catch (e) {
          failed = true;
          summary.failed++;
          const error = e instanceof UserError ? e : new UserError("E_APPLY", e instanceof Error ? e.message : String(e), { address: change.address });
          emit({ kind: "step-failed", address: change.address, actions: change.actions, ms: opts.now() - t0, error });
          return false;
        }
      });
    })();
    done.set(change.address, promise);
    return promise;
  };

  emit({ kind: "apply-start", total: steps.length });
  await Promise.all([...steps].sort((a, b) => compareAddresses(a.address, b.address)).map(run));
  // Every hand-over was started by then (each by its own step, before that step finished).
  await Promise.all(handOvers);
  await recorder.flush();

  if (!failed) {
    for (const provider of providers.values()) {
      if (!provider.afterApply) continue;
      try {
        await provider.afterApply(recorder.resources(), ctxFor(null));
      } catch (e) {
        failed = true;
        summary.failed++;
        const error = e instanceof UserError ? e : new UserError("E_APPLY", String(e));
        emit({ kind: "step-failed", address: `provider.${provider.name}`, actions: ["update"], ms: 0, error });
      }
    }
  }
  summary.interrupted = stopSignal.stopped;
  summary.ms = opts.now() - started;
  emit({ kind: "apply-done", summary });
  return summary;
}

/**
 * Create-before-destroy replacements of one service roll a few at a time (the schema says how
 * many: aliyun.rolling_updates.parallelism for replicas), so the service never loses capacity.
 */
function rollingLimits(steps: readonly ResourceChange[], providers: ReadonlyMap<ProviderName, Provider>): Map<Address, ReturnType<typeof pLimit>> {
  const byService = new Map<string, ReturnType<typeof pLimit>>();
  const out = new Map<Address, ReturnType<typeof pLimit>>();
  for (const c of steps) {
    if (!isCreateBeforeDestroy(c) || !c.service || !c.after) continue;
    // Only what declares a rollout rolls: an image replaced create-first does not share its service's limit.
    const declared = providers.get(c.provider)?.schema[c.type]?.rolloutParallelism?.(c.after);
    if (declared === undefined || declared === null) continue;
    const parallelism = Math.max(1, Math.floor(declared) || 1);
    if (!byService.has(c.service)) byService.set(c.service, pLimit(parallelism));
    out.set(c.address, byService.get(c.service)!);
  }
  return out;
}

function isCreateBeforeDestroy(c: ResourceChange): boolean {
  return c.actions.length === 2 && c.actions[0] === "create";
}

/** For each address, the steps whose references point to it: they move over in a hand-over. */
function referrersOf(steps: readonly ResourceChange[]): Map<Address, Address[]> {
  const out = new Map<Address, Address[]>();
  for (const c of steps) {
    if (c.after === null) continue;
    for (const target of new Set(referencedAddresses(c.references))) out.set(target, [...(out.get(target) ?? []), c.address]);
  }
  return out;
}

/** The change with what the plan knew only after apply filled in from what its references now record. */
function withKnownValues(change: ResourceChange, recorder: StateRecorder): ResourceChange {
  if (!change.knownAfterApply?.length || !change.after || !change.references) return change;
  const after: Attributes = { ...change.after };
  for (const attribute of change.knownAfterApply) {
    const ref = change.references[attribute];
    const value = ref && resolveReference(ref, (a) => recorder.attributesOf(a));
    if (value !== undefined) after[attribute] = value;
  }
  return { ...change, after };
}

function count(summary: ApplySummary, change: ResourceChange): void {
  if (hasAction(change, "create")) summary.added++;
  if (hasAction(change, "delete")) summary.destroyed++;
  if (change.actions[0] === "update") summary.changed++;
}

