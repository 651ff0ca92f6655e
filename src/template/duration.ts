/** Seconds per unit of a Go duration, the syntax compose uses for healthcheck timings. */
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/** "10s" → 10, "1m30s" → 90, "500ms" → 0.5; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  if (text === "") return null;
  let seconds = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) return null;
    seconds += Number(match[1]) * UNIT_SECONDS[match[2]];
  }
  return Math.round(seconds * 1e9) / 1e9;
}
