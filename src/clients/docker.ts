import Docker from "dockerode";
import { UserError, type Where } from "../core/errors.js";

const DEFAULT_SOCKET = "/var/run/docker.sock";
const PING_TIMEOUT_MS = 5_000;

/**
 * A client for the engine DOCKER_HOST names (unix://, tcp://; TLS settings as the docker CLI
 * reads them), else the system socket /var/run/docker.sock. Connects lazily: nothing is
 * dialled until the first call.
 */
export function connectDocker(env: NodeJS.ProcessEnv = process.env): Docker {
  const host = env.DOCKER_HOST;
  if (!host) return new Docker({ socketPath: DEFAULT_SOCKET });
  if (host.startsWith("unix://")) return new Docker({ socketPath: host.slice("unix://".length) || DEFAULT_SOCKET });
  // tcp://, ssh://: docker-modem reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself.
  return new Docker();
}

/** Where a client dials, as DOCKER_HOST would spell it: for messages. */
export function dockerLocation(docker: Docker): string {
  const modem = docker.modem as { socketPath?: unknown; host?: string; port?: string | number; protocol?: string };
  if (modem.host) return `${modem.protocol === "https" ? "tcp+tls" : "tcp"}://${modem.host}${modem.port ? `:${modem.port}` : ""}`;
  return `unix://${typeof modem.socketPath === "string" ? modem.socketPath : DEFAULT_SOCKET}`;
}

/** Ping the engine; a UserError telling how to start one when nothing answers. */
export async function assertEngine(docker: Docker): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS / 1000}s`)), PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
  } catch (e) {
    throw engineUnreachable(docker, e);
  } finally {
    clearTimeout(timer);
  }
}

export function engineUnreachable(docker: Docker, cause: unknown): UserError {
  return new UserError(
    "E_DOCKER_UNREACHABLE",
    `no Docker engine answers at ${dockerLocation(docker)}: ${errorMessage(cause)}. Start one with \`npm run engines\`.`,
  );
}

const CONNECTION_ERROR_CODES = new Set(["ENOENT", "ECONNREFUSED", "ECONNRESET", "EACCES", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"]);

/** A socket-level failure (no engine there), as opposed to an answer from the engine. */
export function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && CONNECTION_ERROR_CODES.has(code);
}

/**
 * Run engine calls. A socket-level failure becomes E_DOCKER_UNREACHABLE; the engine refusing
 * a request (port already allocated, bad bind path, network still in use) becomes E_DOCKER in
 * the engine's words, at `where`: both are the user's to fix. Anything else passes through.
 */
export async function withEngine<T>(docker: Docker, work: () => Promise<T>, where?: Where): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (isConnectionError(e)) throw engineUnreachable(docker, e);
    if ((engineStatus(e) ?? 0) >= 400) throw new UserError("E_DOCKER", `the Docker engine refused: ${errorMessage(e)}`, where);
    throw e;
  }
}

/** The HTTP status of an engine answer (dockerode puts it on the error), else undefined. */
export function engineStatus(e: unknown): number | undefined {
  const status = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Ignore the engine answering one of `statuses` (404 for "already gone", 304 for "already stopped"). */
export async function ignoreStatus(statuses: number[], work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (e) {
    const status = engineStatus(e);
    if (status === undefined || !statuses.includes(status)) throw e;
  }
}

/** The engine's own words when it has them ("No such image: x"), else the error's message. */
export function errorMessage(e: unknown): string {
  const json = (e as { json?: unknown } | null)?.json;
  if (json && typeof json === "object" && typeof (json as { message?: unknown }).message === "string") {
    return (json as { message: string }).message.trim();
  }
  // Streamed answers (pull) carry no parsed body: drop dockerode's "(HTTP code 404) unexpected - " prefix.
  if (e instanceof Error) return e.message.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
  return String(e);
}
