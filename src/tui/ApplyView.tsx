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
  foldEvent,
  initialProgress,
  percentDone,
  type ApplyProgress,
  type FinishedStep,
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
  const [progress, dispatch] = useReducer(
    (p: ApplyProgress, a: { event: ApplyEvent; at: number }) => foldEvent(p, a.event, a.at),
    total,
    initialProgress,
  );
  useEventSource(events, (event) => dispatch({ event, at: now() }));
  const clock = useTicker(progress.running.length > 0 && progress.summary === null ? tickMs : null, now);

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

/** Feeds every event of the source to `onEvent`, for as long as the view is mounted. */
function useEventSource(source: ApplyEventSource, onEvent: (event: ApplyEvent) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (typeof source === "function") return source((event) => handler.current(event));
    let stopped = false;
    void (async () => {
      for await (const event of source) {
        if (stopped) break;
        handler.current(event);
      }
    })();
    return () => {
      stopped = true;
    };
  }, [source, handler]);
}

/** The current time, refreshed every `everyMs` while given (null stops the clock). */
function useTicker(everyMs: number | null, now: () => number): number {
  const [time, setTime] = useState(now);
  useEffect(() => {
    if (everyMs === null) return;
    setTime(now());
    const timer = setInterval(() => setTime(now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs, now]);
  return everyMs === null ? now() : time;
}
