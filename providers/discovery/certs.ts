import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, chmod, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../../src/core/errors.js";

export interface CertFiles {
  dir: string;
  ca: string;
  caKey: string;
  server: string;
  serverKey: string;
  agent: string;
  agentKey: string;
}

export interface CertOptions {
  dir: string;
  /** Overwrite existing files. */
  force?: boolean;
  days?: number;
  openssl?: string;
}

/**
 * `berth discovery certs`: a throwaway CA, a server certificate for 127.0.0.1 and localhost,
 * and the agent's client certificate (agent.pem, agent-key.pem) that the article's
 * `curl -k --cert agent.pem --key agent-key.pem https://...` presents. P-256 keys, made by
 * Debian's `openssl`.
 */
export async function createCerts(opts: CertOptions): Promise<CertFiles> {
  const dir = path.resolve(opts.dir);
  const files: CertFiles = {
    dir,
    ca: path.join(dir, "ca.pem"),
    caKey: path.join(dir, "ca-key.pem"),
    server: path.join(dir, "server.pem"),
    serverKey: path.join(dir, "server-key.pem"),
    agent: path.join(dir, "agent.pem"),
    agentKey: path.join(dir, "agent-key.pem"),
  };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!opts.force) {
    for (const file of Object.values(files).slice(1)) {
      if (await exists(file)) throw new UserError("E_CERTS_EXIST", `${file} already exists; give --force to replace the certificates in ${dir}`);
    }
  }
  const openssl = opts.openssl ?? "openssl";
  const days = String(opts.days ?? 825);
  const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run(openssl, ["req", "-x509", ...curve, "-keyout", files.caKey, "-out", files.ca, "-days", days, "-subj", "/CN=Berth discovery CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  await issue(openssl, files, days, curve, "server", files.server, files.serverKey, "/CN=localhost",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n");
  await issue(openssl, files, days, curve, "agent", files.agent, files.agentKey, "/CN=berth-agent",
    "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n");
  for (const key of [files.caKey, files.serverKey, files.agentKey]) await chmod(key, 0o600);
  return files;
}

async function issue(
  openssl: string,
  files: CertFiles,
  days: string,
  curve: string[],
  name: string,
  cert: string,
  key: string,
  subject: string,
  extensions: string,
): Promise<void> {
  const csr = path.join(files.dir, `${name}.csr`);
  const ext = path.join(files.dir, `${name}.ext`);
  try {
    await writeFile(ext, extensions);
    await run(openssl, ["req", "-new", ...curve, "-keyout", key, "-out", csr, "-subj", subject]);
    await run(openssl, ["x509", "-req", "-in", csr, "-CA", files.ca, "-CAkey", files.caKey, "-set_serial", randomSerial(),
      "-days", days, "-sha256", "-extfile", ext, "-out", cert]);
  } finally {
    await rm(csr, { force: true });
    await rm(ext, { force: true });
  }
}

function randomSerial(): string {
  return `0x${randomBytes(8).toString("hex")}`;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? `${file} not found (Debian package openssl)` : stderr.trim() || error.message;
      reject(new UserError("E_CERTS", `openssl failed: ${why}`));
    });
  });
}
