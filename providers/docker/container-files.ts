import type Docker from "dockerode";
import tar from "tar-stream";
import type { ContainerAttributes } from "./attributes.js";

/**
 * Writes the container's secrets and configs into it before it starts, as one tar archive
 * extracted at /: no bind mount of a host file, so the content is what the plan showed even
 * where it came from an environment variable or inline text.
 */
export async function writeContainerFiles(container: Docker.Container, attrs: ContainerAttributes): Promise<void> {
  const entries = Object.entries(attrs.files ?? {});
  if (entries.length === 0) return;
  const pack = tar.pack();
  const dirs = new Set<string>();
  for (const [target] of entries) {
    const parts = target.split("/").filter(Boolean).slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const dir of [...dirs].sort()) pack.entry({ name: `${dir}/`, type: "directory", mode: 0o755 });
  for (const [target, file] of entries) {
    const [kind, key] = splitSource(file.source);
    const content = kind === "secret" ? attrs.sensitive_values[`secret:${key}`] : attrs.config_contents[key];
    pack.entry(
      { name: target.replace(/^\//, ""), mode: file.mode, uid: file.uid === null ? 0 : Number(file.uid), gid: file.gid === null ? 0 : Number(file.gid) },
      content ?? "",
    );
  }
  pack.finalize();
  await container.putArchive(pack, { path: "/" });
}

function splitSource(source: string): [string, string] {
  const cut = source.indexOf(":");
  return [source.slice(0, cut), source.slice(cut + 1)];
}
