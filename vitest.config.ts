import { defineConfig } from "vitest/config";

/** kill -9, engine faults, full disk, corrupt state, secrets sweep (README.md "Reliability"). */
const reliabilityProject = {
  test: {
    name: "reliability",
    include: ["test/reliability/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 300_000,
  },
};

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
      // Only under `npm run reliability` (BERTH_RELIABILITY=1): it restarts the shared dockerd
      // and takes minutes, so a bare `vitest run` must not start it by surprise.
      ...(process.env.BERTH_RELIABILITY === "1" ? [reliabilityProject] : []),
    ],
  },
});
