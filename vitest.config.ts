import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.{ts,tsx}"],
          // Ink renders nothing until unmount when it believes it runs in CI (is-in-ci);
          // the component tests read frames, so they run as on a terminal.
          env: { CI: "false" },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.{ts,tsx}"],
          // One Docker engine, one router, one etcd: e2e files share them, so run one at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          // Not part of `npm test`: `npm run reliability` (kill -9, engine faults, full disk,
          // corrupt state, secrets sweep) runs after it in CI and takes minutes.
          name: "reliability",
          include: ["test/reliability/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
