/**
 * Small pieces the e2e tests and benchmarks share that need no engine client, so a benchmark
 * bundled on its own can use them too.
 */
import { createServer } from "node:net";

/** A port nothing listens on right now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * The main configuration of a throwaway nginx standing in for the article's user nginx: it
 * includes the upstream file `berth sync` writes and proxies to it on a loopback port.
 */
export function userNginxConf(opts: { dir: string; pidFile: string; include: string; port: number; upstream: string; location?: string }): string {
  const location = opts.location ?? `proxy_pass http://${opts.upstream};`;
  return [
    `pid ${opts.pidFile};`,
    `error_log ${opts.dir}/error.log;`,
    "worker_processes 1;",
    "events { worker_connections 128; }",
    "http {",
    "    access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${opts.dir}/temp/${t};`),
    `    include ${opts.include};`,
    `    server { listen 127.0.0.1:${opts.port}; location / { ${location} } }`,
    "}",
    "",
  ].join("\n");
}
