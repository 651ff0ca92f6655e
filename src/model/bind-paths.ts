/**
 * A `volumes:` entry with a relative host path ("./data:/data", "../conf:/etc/app:ro") made
 * absolute against the template's folder, as docker compose does: where Berth is run from
 * must not change what is mounted. Everything else (named and anonymous volumes, absolute
 * and ~ paths) is returned as written.
 */
export function resolveBindSource(volume: string, templateDir: string): string {
  const colon = volume.indexOf(":");
  if (colon === -1 || !volume.startsWith(".")) return volume;
  return joinPath(templateDir, volume.slice(0, colon)) + volume.slice(colon);
}

/** An absolute POSIX folder joined with a relative path, "." and ".." folded (node:path would read the process's cwd: the model does no I/O). */
function joinPath(absoluteDir: string, relative: string): string {
  const parts: string[] = [];
  for (const part of `${absoluteDir}/${relative}`.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}
