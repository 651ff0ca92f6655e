import type { Address, DesiredResource } from "../core/types.js";
import { namedVolumeSource } from "../template/top-level-volumes.js";
import type { ServiceSpec, Template } from "../template/types.js";

export function volumeAddress(key: string): Address {
  return `volume.${key}`;
}

/** Volumes of the project, and how a service's mount names turn into Docker volume names. */
export interface ProjectVolumes {
  resources: DesiredResource[];
  /** key as services write it ("db-data") → the Docker volume's name ("shop_db-data"). */
  dockerName: ReadonlyMap<string, string>;
}

/**
 * Every named volume the project mounts is a resource, so a plan shows it and destroy can keep
 * it. Declared volumes are named as compose names them (`<project>_<key>` unless `name:`);
 * the v1 flat format declares none and mounts names as written, as docker-compose did for it;
 * an aliyun.logs path gets a volume per service and path.
 */
export function projectVolumes(template: Template, project: string): ProjectVolumes {
  const dockerName = new Map<string, string>();
  const resources: DesiredResource[] = [];
  const add = (key: string, name: string, attributes: Record<string, unknown>) => {
    if (dockerName.has(key)) return;
    dockerName.set(key, name);
    resources.push({
      address: volumeAddress(key),
      type: "volume",
      provider: "docker",
      name: key,
      index: null,
      service: null,
      attributes: { name, project, driver: "local", driver_opts: {}, labels: {}, external: false, ...attributes } as DesiredResource["attributes"],
      dependsOn: [],
    });
  };
  for (const decl of template.volumes) {
    // An external volume is named as written: it is not the project's to prefix.
    add(decl.key, decl.name ?? (decl.external ? decl.key : `${project}_${decl.key}`), {
      driver: decl.external ? null : (decl.driver ?? "local"),
      driver_opts: decl.driverOpts,
      labels: decl.labels,
      external: decl.external,
    });
  }
  for (const spec of template.services) {
    for (const entry of spec.volumes) {
      const source = namedVolumeSource(entry);
      if (source !== null) add(source, source, {});
    }
    spec.aliyun.logs.forEach((_, n) => add(logsVolumeKey(spec, n), `${project}_${logsVolumeKey(spec, n)}`, {}));
  }
  return { resources, dockerName };
}

export function logsVolumeKey(spec: ServiceSpec, n: number): string {
  return `${spec.name}_logs_${n + 1}`;
}

/** A service's `volumes:` entry with its named source replaced by the Docker volume's name. */
export function mountWithDockerName(entry: string, dockerName: ReadonlyMap<string, string>): string {
  const source = namedVolumeSource(entry);
  if (source === null) return entry;
  return `${dockerName.get(source) ?? source}${entry.slice(source.length)}`;
}

/** The volume resources a service's containers mount: created before them, deleted after them. */
export function volumeDependencies(spec: ServiceSpec): Address[] {
  const keys = spec.volumes.flatMap((entry) => namedVolumeSource(entry) ?? []);
  keys.push(...spec.aliyun.logs.map((_, n) => logsVolumeKey(spec, n)));
  return [...new Set(keys)].sort().map(volumeAddress);
}
