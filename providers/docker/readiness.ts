import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import type { ContainerAttributes, PortAttr } from "./attributes.js";
import { healthcheckMode } from "./container-spec.js";

const POLL_MS = 200;
/** A published port counts as serving when a connection stays open (or talks) this long. */
const SETTLE_MS = 150;
const CONNECT_TIMEOUT_MS = 1_000;

export interface ReadinessOptions {
  /**
   * "declared": wait for the engine's health status; "image": wait for it if the engine reports
   * one (an image HEALTHCHECK), else probe ports; "disabled" (disable: true): probe ports.
   */
  healthcheck: "declared" | "image" | "disabled";
  ports: PortAttr[];
  /** "8080/tcp" → host port, as apply recorded it. */
  published: Record<string, number>;
  timeoutMs: number;
  aborted: () => boolean;
}

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * Wait until a freshly started container serves: healthy when it has a healthcheck, else every
 * published TCP port accepts a connection on its host address. Gives up on exit, unhealthy,
 * timeout or abort, saying why.
 */
export async function waitUntilReady(container: Docker.Container, opts: ReadinessOptions): Promise<Readiness> {
  const deadline = Date.now() + opts.timeoutMs;
  let waitingFor = "the container to start";
  for (;;) {
    if (opts.aborted()) return { ready: false, reason: "interrupted while waiting" };
    const state = (await container.inspect()).State;
    if (!state.Running && state.Status !== "created") {
      return { ready: false, reason: `container ${state.Status} (exit code ${state.ExitCode})` };
    }
    if (state.Running) {
      if (opts.healthcheck === "declared" || (opts.healthcheck === "image" && state.Health)) {
        const health = state.Health?.Status;
        if (health === "healthy") return { ready: true };
        if (health === "unhealthy") {
          const last = (state.Health?.Log?.at(-1)?.Output ?? "").trim().split("\n").at(-1);
          return { ready: false, reason: `healthcheck reports unhealthy${last ? `: ${last}` : ""}` };
        }
        waitingFor = "the healthcheck to pass";
      } else {
        const closed = await firstClosedPort(opts.ports, opts.published);
        if (closed === null) return { ready: true };
        waitingFor = `port ${closed} to accept connections`;
      }
    }
    if (Date.now() + POLL_MS > deadline) {
      return { ready: false, reason: `still waiting for ${waitingFor} after ${Math.round(opts.timeoutMs / 1000)}s` };
    }
    await sleep(POLL_MS);
  }
}

/**
 * A container gets the ready timeout to become ready (a replacement) or healthy (a dependency),
 * or longer when its healthcheck cannot pass sooner:
 * start_period, then a probe (start_interval on engines that honour it, else interval) and its timeout.
 */
export function readyTimeoutMs(after: ContainerAttributes, readyTimeoutSeconds: number): number {
  const h = after.healthcheck ?? null;
  if (!h || healthcheckMode(after) === "disabled") return readyTimeoutSeconds * 1000;
  const firstPass = (h.start_period_seconds ?? 0) + (h.interval_seconds ?? 30) + (h.timeout_seconds ?? 30);
  return Math.max(readyTimeoutSeconds, Math.ceil(firstPass)) * 1000;
}

/** The first published TCP port that does not serve yet ("127.0.0.1:49153"), or null. */
async function firstClosedPort(ports: PortAttr[], published: Record<string, number>): Promise<string | null> {
  for (const p of ports) {
    if (p.protocol !== "tcp") continue;
    const hostPort = published[`${p.container_port}/tcp`];
    if (hostPort === undefined) continue;
    const host = loopbackFor(p.host_ip);
    if (!(await serves(host, hostPort))) return `${host}:${hostPort}`;
  }
  return null;
}

/** A wildcard bind is reached on loopback. */
function loopbackFor(hostIp: string): string {
  return hostIp === "" || hostIp === "0.0.0.0" || hostIp === "::" ? "127.0.0.1" : hostIp;
}

/**
 * docker-proxy accepts on the host port even before the container listens, then closes the
 * connection when it cannot reach the container. So a bare connect proves little: the
 * connection must also stay open (an HTTP server waits for a request) or send data (MySQL
 * greets first).
 */
function serves(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settleTimer: NodeJS.Timeout | undefined;
    const done = (ok: boolean) => {
      clearTimeout(connectTimer);
      clearTimeout(settleTimer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      resolve(ok);
    };
    const connectTimer = setTimeout(() => done(false), CONNECT_TIMEOUT_MS);
    socket.once("connect", () => {
      clearTimeout(connectTimer);
      settleTimer = setTimeout(() => done(true), SETTLE_MS);
    });
    socket.once("data", () => done(true));
    socket.once("end", () => done(false));
    socket.once("close", () => done(false));
    socket.once("error", () => done(false));
  });
}
