import { readFileSync } from "node:fs";
import type { Etcd3 } from "etcd3";
import { UserError } from "../core/errors.js";

/** PEM files for a TLS connection to etcd (BERTH_ETCD_CA, BERTH_ETCD_CERT, BERTH_ETCD_KEY). */
export interface EtcdTls {
  ca: string;
  cert?: string;
  key?: string;
}

export interface EtcdConnectionOptions {
  /** e.g. ["http://127.0.0.1:2379"]; with TLS the scheme is ignored. */
  endpoints: string[];
  /** undefined: read BERTH_ETCD_CA/CERT/KEY; null: plain connection. */
  tls?: EtcdTls | null;
  /** How long one operation may take before etcd counts as unreachable. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** An etcd that does not answer within this long is reported as unreachable. */
export const ETCD_TIMEOUT_MS = 2_000;

type EtcdModule = typeof import("etcd3");

/** The etcd3 module (gRPC and its protobuf loader) loads on first use only: commands without etcd do not pay for it. */
let etcdModule: Promise<EtcdModule> | null = null;
function loadEtcd3(): Promise<EtcdModule> {
  etcdModule ??= import("etcd3").then((m) => ((m as { Etcd3?: unknown }).Etcd3 ? m : (m as unknown as { default: EtcdModule }).default));
  return etcdModule;
}

/** TLS files from the environment; null when none is set. */
export function etcdTlsFromEnv(env: NodeJS.ProcessEnv = process.env): EtcdTls | null {
  const ca = env.BERTH_ETCD_CA || undefined;
  const cert = env.BERTH_ETCD_CERT || undefined;
  const key = env.BERTH_ETCD_KEY || undefined;
  if (!ca && !cert && !key) return null;
  if (!ca) throw new UserError("E_ETCD_TLS", "BERTH_ETCD_CERT/BERTH_ETCD_KEY are set without BERTH_ETCD_CA: give the CA that signed etcd's certificate");
  if (Boolean(cert) !== Boolean(key)) throw new UserError("E_ETCD_TLS", "give both BERTH_ETCD_CERT and BERTH_ETCD_KEY (a client certificate needs its key), or neither");
  return { ca, cert, key };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError("E_ETCD_TLS", `cannot read the etcd ${what} ${path}: ${(e as Error).message}`);
  }
}

/**
 * One lazily dialled etcd client shared by the discovery provider, agent, API server, sync
 * and the etcd state backend. `run` bounds every request by `timeoutMs` and turns "nobody
 * answers" into E_ETCD_UNREACHABLE, which the CLI shows as a plan gap or an error.
 */
export class EtcdConnection {
  readonly endpoints: string[];
  readonly timeoutMs: number;
  private readonly tls: EtcdTls | null;
  private opened: Promise<{ client: Etcd3; mod: EtcdModule }> | null = null;
  private closed = false;

  constructor(opts: EtcdConnectionOptions) {
    if (opts.endpoints.length === 0) {
      throw new UserError("E_ETCD_ENDPOINTS", "no etcd endpoints: give --etcd host:port (or BERTH_ETCD_ENDPOINTS / ETCD_NODES)");
    }
    this.endpoints = opts.endpoints.map((e) => (/^[a-z]+:\/\//.test(e) ? e : `http://${e}`));
    this.timeoutMs = opts.timeoutMs ?? ETCD_TIMEOUT_MS;
    this.tls = opts.tls === undefined ? etcdTlsFromEnv(opts.env) : opts.tls;
  }

  /** For messages: "http://127.0.0.1:2379". */
  get location(): string {
    return this.endpoints.join(",");
  }

  /** The client itself, for long-lived calls (watches, leases) that are not bounded by the timeout. */
  async client(): Promise<Etcd3> {
    return (await this.open()).client;
  }

  /** Runs one bounded request; E_ETCD_UNREACHABLE when etcd does not answer in time. */
  async run<T>(what: string, op: (client: Etcd3) => Promise<T>): Promise<T> {
    const { client, mod } = await this.open();
    let timer: NodeJS.Timeout | undefined;
    const work = op(client);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (e) {
      // The request may still fail later (the client retries); nobody waits for it any more.
      work.catch(() => {});
      throw this.classify(e, what, mod);
    } finally {
      clearTimeout(timer);
    }
  }

  /** True for the errors `run` reports as E_ETCD_UNREACHABLE. */
  isUnreachable(e: unknown): boolean {
    return e instanceof UserError && e.code === "E_ETCD_UNREACHABLE";
  }

  async close(): Promise<void> {
    this.closed = true;
    const opened = this.opened;
    this.opened = null;
    if (opened) (await opened).client.close();
  }

  private open(): Promise<{ client: Etcd3; mod: EtcdModule }> {
    if (this.closed) return Promise.reject(new Error("bug: the etcd connection was used after close()"));
    this.opened ??= loadEtcd3().then((mod) => {
      const credentials = this.tls
        ? {
            rootCertificate: readPem(this.tls.ca, "CA certificate"),
            ...(this.tls.cert ? { certChain: readPem(this.tls.cert, "client certificate") } : {}),
            ...(this.tls.key ? { privateKey: readPem(this.tls.key, "client key") } : {}),
          }
        : undefined;
      const deadline = this.timeoutMs;
      const client = new mod.Etcd3({
        hosts: this.endpoints,
        credentials,
        dialTimeout: deadline,
        // Unary calls get a deadline; watch and keep-alive streams live as long as they are needed.
        defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + deadline }),
        // No per-host circuit breaker: after three failures it refuses every call for 5 s, so a
        // returning etcd would go unused that long. Callers here back off on their own.
        faultHandling: { host: () => PASS_THROUGH as never },
      });
      return { client, mod };
    });
    return this.opened;
  }

  private classify(e: unknown, what: string, mod: EtcdModule): unknown {
    if (e instanceof UserError) return e;
    const unreachable =
      !(e instanceof Error) ||
      e.message.startsWith("no answer within") ||
      e instanceof mod.GRPCUnavailableError ||
      e instanceof mod.GRPCDeadlineExceededError ||
      e instanceof mod.GRPCCancelledError ||
      e instanceof mod.ClientClosedError ||
      // After three failures in a row the client stops calling the host for 5 s (its circuit breaker).
      e.constructor.name === "BrokenCircuitError";
    if (!unreachable) return e;
    // gRPC wraps the socket's own words ("connect ECONNREFUSED 127.0.0.1:2379") in a long sentence.
    const message = e instanceof Error ? e.message : String(e);
    const cause = /Last error: (?:Error: )?(.*?)(?:\.? Resolution note|$)/.exec(message)?.[1] ?? message;
    return new UserError(
      "E_ETCD_UNREACHABLE",
      `etcd at ${this.location} does not answer (${what}): ${cause}. Start one with \`npm run engines\`, or check --etcd / ETCD_NODES${this.tls ? " and BERTH_ETCD_CA/CERT/KEY" : ""}`,
    );
  }
}

/** The part of a fault-handling policy the etcd client calls: run the call, once. */
const PASS_THROUGH = {
  execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> {
    return Promise.resolve().then(() => fn({ signal: new AbortController().signal }));
  },
};

/** Keys and values as etcd returns them, decoded. */
export interface KeyValue {
  key: string;
  value: string;
  modRevision: number;
  /** "0" when the key has no lease. */
  lease: string;
}

/** Reads every key under `prefix` in one request: one consistent snapshot and its revision. */
export async function readPrefix(conn: EtcdConnection, prefix: string, what: string): Promise<{ kvs: KeyValue[]; revision: number }> {
  const res = await conn.run(what, (c) => c.getAll().prefix(prefix).exec());
  return {
    kvs: res.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), modRevision: Number(kv.mod_revision), lease: String(kv.lease) })),
    revision: Number(res.header.revision),
  };
}
