/**
 * Live apply (or destroy) progress: a spinner and the elapsed time on every change in flight,
 * a ✓/✗ line for every change that ended (kept above the live area by <Static>, so the
 * terminal's scrollback holds the whole run), an overall progress bar with an estimate, and
 * the executor's summary at the end. Every word comes from the events, through the text view's
 * formatter.
 */
import { ProgressBar, ThemeProvider, defaultTheme, extendTheme } from "@inkjs/ui";
import { Box, Static, Text, useInput, useStdin } from "ink";
import Spinner from "ink-spinner";
import { useEffect, useLayoutEffect, useReducer, useRef, useState, type ReactNode } from "react";
import type { ApplyEvent } from "../core/events.js";
import { formatApplyEvent, formatApplySummary, formatDuration } from "../render/apply-text.js";
import { palette } from "../render/color.js";
import {
  completedCount,
  estimateRemainingMs,
  foldEvents,
  initialProgress,
  percentDone,
  type ApplyProgress,
  type FinishedStep,
  type ReceivedEvent,
  type RunningStep,
} from "./apply-progress.js";

/** Events pushed to a listener (returns an unsubscribe), or pulled from an async iterable. */
export type ApplyEventSource = AsyncIterable<ApplyEvent> | ((listener: (event: ApplyEvent) => void) => () => void);

export interface ApplyViewProps {
  events: ApplyEventSource;
  /** Changes to carry out; an apply-start event overrides it. */
  total: number;
  verb: "Apply" | "Destroy";
  color: boolean;
  /** Ctrl-C arrives as a key press while Ink holds the terminal in raw mode. */
  onInterrupt?: () => void;
  /** Called once the frame with the summary is on screen. */
  onFinished?: () => void;
  /** Milliseconds, monotonic; injectable for tests. */
  now?: () => number;
  /** How often the elapsed times are redrawn. */
  tickMs?: number;
  /** In-flight rows shown at most (the rest are counted). */
  maxRunningRows?: number;
}

const BAR_WIDTH = 30;

/** @inkjs/ui's progress bar with its colours taken out, for NO_COLOR. */
const PLAIN_THEME = extendTheme(defaultTheme, {
  components: { ProgressBar: { styles: { completed: () => ({}), remaining: () => ({}) } } },
});

export function ApplyView({
  events,
  total,
  verb,
  color,
  onInterrupt,
  onFinished,
  now = defaultNow,
  tickMs = 100,
  maxRunningRows = 12,
}: ApplyViewProps): ReactNode {
  const [progress, dispatch] = useReducer(foldEvents, total, initialProgress);
  useEventSource(events, now, dispatch);
  const clock = useClock(progress.running.length > 0 && progress.summary === null ? tickMs : null, now);

  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (key.ctrl && input === "c") onInterrupt?.();
    },
    { isActive: isRawModeSupported === true && onInterrupt !== undefined && progress.summary === null },
  );

  useLayoutEffect(() => {
    if (progress.summary) onFinished?.();
  }, [progress.summary, onFinished]);

  const pal = palette(color);
  const hidden = progress.running.length - maxRunningRows;
  return (
    <Box flexDirection="column">
      <Static items={progress.finished}>{(step) => <FinishedRow key={step.key} step={step} color={color} />}</Static>
      {progress.running.slice(0, maxRunningRows).map((step) => (
        <RunningRow key={step.address} step={step} now={clock} color={color} />
      ))}
      {hidden > 0 ? <Text>{pal.dim(`  … and ${hidden} more in flight`)}</Text> : null}
      {progress.interrupt && !progress.summary ? <Text>{formatApplyEvent({ kind: "interrupt", forced: progress.interrupt.forced }, { color })}</Text> : null}
      {progress.summary ? (
        <Box marginTop={1}>
          <Text>{formatApplySummary(progress.summary, verb, { color })}</Text>
        </Box>
      ) : (
        <ProgressLine progress={progress} now={clock} color={color} />
      )}
    </Box>
  );
}

function FinishedRow({ step, color }: { step: FinishedStep; color: boolean }): ReactNode {
  const pal = palette(color);
  const { event } = step;
  const text = formatApplyEvent(event, { color }) ?? event.address;
  switch (event.kind) {
    case "step-done":
      return <Text>{`${pal.green("✓")} ${text}`}</Text>;
    case "step-failed":
      return <Text>{`${pal.red("✗")} ${text} ${pal.dim(`(after ${formatDuration(event.ms)})`)}`}</Text>;
    case "step-skipped":
      return <Text>{`${pal.dim("-")} ${text}`}</Text>;
  }
}

function RunningRow({ step, now, color }: { step: RunningStep; now: number; color: boolean }): ReactNode {
  const pal = palette(color);
  const text = formatApplyEvent({ kind: "step-start", address: step.address, actions: step.actions }, { color }) ?? step.address;
  return (
    <Text wrap="truncate-end">
      {color ? (
        <Text color="cyan">
          <Spinner type="dots" />
        </Text>
      ) : (
        <Spinner type="dots" />
      )}{" "}
      {text} {pal.dim(formatDuration(now - step.startedAt))}
      {step.log ? ` ${pal.dim(step.log)}` : ""}
    </Text>
  );
}

function ProgressLine({ progress, now, color }: { progress: ApplyProgress; now: number; color: boolean }): ReactNode {
  const pal = palette(color);
  const parts = [`${completedCount(progress)}/${progress.total}`];
  if (progress.failed > 0) parts.push(pal.red(`${progress.failed} failed`));
  if (progress.skipped > 0) parts.push(`${progress.skipped} not started`);
  if (progress.startedAt !== null) parts.push(`${formatDuration(now - progress.startedAt)} elapsed`);
  const left = estimateRemainingMs(progress, now);
  if (left !== null) parts.push(`about ${formatDuration(left)} left`);
  const bar = (
    <Box width={BAR_WIDTH}>
      <ProgressBar value={percentDone(progress)} />
    </Box>
  );
  return (
    <Box marginTop={1}>
      {color ? bar : <ThemeProvider theme={PLAIN_THEME}>{bar}</ThemeProvider>}
      <Text> {parts.join(" · ")}</Text>
    </Box>
  );
}

// ---------------------------------------------------------------------------------------------

function defaultNow(): number {
  return performance.now();
}

/**
 * Feeds the source's events to `onBatch`, stamped with their arrival time. Events that arrive
 * together (an executor finishing many quick steps) are handed over as one batch on the next
 * turn of the event loop: one render for the lot, not one per event.
 */
function useEventSource(source: ApplyEventSource, now: () => number, onBatch: (batch: ReceivedEvent[]) => void): void {
  const latest = useRef({ now, onBatch });
  latest.current = { now, onBatch };
  useEffect(() => {
    let pending: ReceivedEvent[] = [];
    let flush: NodeJS.Immediate | null = null;
    let stopped = false;
    const receive = (event: ApplyEvent) => {
      if (stopped) return;
      pending.push({ event, at: latest.current.now() });
      flush ??= setImmediate(() => {
        flush = null;
        const batch = pending;
        pending = [];
        if (!stopped) latest.current.onBatch(batch);
      });
    };
    let unsubscribe = () => {};
    if (typeof source === "function") unsubscribe = source(receive);
    else void pull(source, receive, () => stopped);
    return () => {
      stopped = true;
      if (flush) clearImmediate(flush);
      unsubscribe();
    };
  }, [source]);
}

async function pull(source: AsyncIterable<ApplyEvent>, receive: (event: ApplyEvent) => void, stopped: () => boolean): Promise<void> {
  for await (const event of source) {
    if (stopped()) break;
    receive(event);
  }
}

/** The current time; while `everyMs` is given, the view redraws that often so elapsed times move. */
function useClock(everyMs: number | null, now: () => number): number {
  const [, setTicks] = useState(0);
  useEffect(() => {
    if (everyMs === null) return;
    const timer = setInterval(() => setTicks((n) => n + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now();
}
