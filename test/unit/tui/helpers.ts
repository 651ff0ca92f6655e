/** Frame and timing helpers for the TUI tests. */
import type { EventEmitter } from "node:events";
import { vi } from "vitest";
import { stripAnsi } from "../../../src/render/color.js";

export { FakeStdin, FakeStdout, largePlan } from "./fixtures.js";

/** Ink handles one key press per write only after the previous one re-rendered. */
export function delay(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves once the view listens to its input: Ink subscribes in an effect after the first
 * frame, and a key sent before that is lost.
 */
export async function listening(stdin: EventEmitter): Promise<void> {
  await vi.waitFor(() => {
    if (stdin.listenerCount("readable") === 0) throw new Error("Ink is not reading the input yet");
  });
}

/** The last frame as plain text ("" before the first). */
export function plain(frame: string | undefined): string {
  return stripAnsi(frame ?? "");
}

/** The line the cursor marker is on, trimmed. */
export function selectedLine(frame: string | undefined): string {
  return (
    plain(frame)
      .split("\n")
      .find((l) => l.startsWith("›"))
      ?.slice(1)
      .trim() ?? ""
  );
}

