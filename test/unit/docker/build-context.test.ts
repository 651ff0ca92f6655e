/**
 * A build context as the plan digests it: the files .dockerignore keeps (Docker's pattern
 * rules, `!` exceptions included), the Dockerfile always. Read from files only, no engine.
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readBuildContext, type BuildContext } from "../../../providers/docker/build-context.js";
import { UserError } from "../../../src/core/errors.js";
import { expectGolden } from "../golden.js";
import { tempDir } from "../template/helpers.js";

const golden = (name: string) => new URL(`./golden/${name}`, import.meta.url);

/** A context folder with exactly these files (mode 0644, folders 0755, "+x" names 0755). */
function contextWith(files: Record<string, string>): string {
  const dir = tempDir("berth-context-");
  chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name.replace(/ \+x$/, ""));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    chmodSync(file, name.endsWith(" +x") ? 0o755 : 0o644);
  }
  return dir;
}

function listing(context: BuildContext): string {
  const lines = context.entries.map((e) => `${e.kind.padEnd(7)} ${e.mode.toString(8).padStart(4, "0")} ${e.path}${e.value ? `  ${e.value}` : ""}`);
  return [...lines, `digest ${context.digest}`, `dockerfile ${context.dockerfileInContext}`, ""].join("\n");
}

const APP = {
  Dockerfile: "FROM scratch\nCOPY . /\n",
  ".dockerignore": "# build output and notes stay out\nnotes.txt\n*.log\ncache\n!cache/keep.txt\n**/*.tmp\nDockerfile\n",
  "app.sh +x": "echo hello\n",
  "notes.txt": "not sent\n",
  "debug.log": "not sent\n",
  "cache/big.bin": "not sent\n",
  "cache/keep.txt": "sent: an exception\n",
  "lib/util.sh": "util\n",
  "lib/scratch.tmp": "not sent\n",
};

describe("build context digest", () => {
  it("keeps what .dockerignore keeps, the Dockerfile always; folders are 0755, executables marked", async () => {
    const dir = contextWith(APP);
    for (const d of ["cache", "lib"]) chmodSync(path.join(dir, d), 0o755);
    symlinkSync("app.sh", path.join(dir, "run"));
    const context = await readBuildContext(dir, "Dockerfile", "image.app");
    expectGolden(golden("context-dockerignore.txt"), listing(context));
    expect(Object.keys(context.files)).toEqual([".dockerignore", "Dockerfile", "app.sh", "cache/keep.txt", "lib/util.sh", "run"]);
  });

  it("a changed ignored file changes nothing; a changed kept file changes its digest and the context's", async () => {
    const dir = contextWith(APP);
    const before = await readBuildContext(dir, "Dockerfile", "image.app");
    writeFileSync(path.join(dir, "notes.txt"), "edited, still ignored\n");
    writeFileSync(path.join(dir, "cache/big.bin"), "edited, still ignored\n");
    const ignoredEdit = await readBuildContext(dir, "Dockerfile", "image.app");
    expect(ignoredEdit.digest).toBe(before.digest);
    writeFileSync(path.join(dir, "app.sh"), "echo changed\n");
    const keptEdit = await readBuildContext(dir, "Dockerfile", "image.app");
    expect(keptEdit.digest).not.toBe(before.digest);
    const changed = Object.keys(keptEdit.files).filter((f) => keptEdit.files[f] !== before.files[f]);
    expect(changed).toEqual(["app.sh"]);
  });

  it("a Dockerfile outside the context is digested under the path given", async () => {
    const dir = contextWith({ "app/main.sh": "x\n", "docker/app.Dockerfile": "FROM scratch\n" });
    const context = await readBuildContext(path.join(dir, "app"), "../docker/app.Dockerfile", "image.app");
    expect(context.dockerfileInContext).toBeNull();
    expect(Object.keys(context.files)).toEqual(["main.sh", "../docker/app.Dockerfile"]);
  });

  it("a missing context or Dockerfile is the user's to fix, named by address", async () => {
    const missing = await readBuildContext("/nonexistent/berth-context", "Dockerfile", "image.app").catch((e) => e);
    expect(missing).toBeInstanceOf(UserError);
    expect(missing.toString()).toBe("Error: image.app: build context /nonexistent/berth-context is not a folder");
    const dir = contextWith({ "main.sh": "x\n" });
    const noDockerfile = await readBuildContext(dir, "Dockerfile", "image.app").catch((e) => e);
    expect(noDockerfile.toString()).toBe(`Error: image.app: no Dockerfile at ${path.join(dir, "Dockerfile")}`);
    // A symlink is sent as a symlink, never followed: one pointing nowhere is no error.
    const gone = contextWith({ Dockerfile: "FROM scratch\n" });
    symlinkSync("/nonexistent", path.join(gone, "dangling"));
    await expect(readBuildContext(gone, "Dockerfile", "image.app")).resolves.toMatchObject({ files: { dangling: "-> /nonexistent" } });
  });
});
