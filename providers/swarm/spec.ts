import type Docker from "dockerode";
import type { Attributes } from "../../src/core/types.js";
import { LABEL_PROJECT, LABEL_SERVICE, type FileRefAttr, type ServiceAttributes, type UpdateConfigAttr } from "./attributes.js";

/** The Docker API counts durations in nanoseconds. */
const NS = 1e9;
const ns = (seconds: number | null | undefined): number | undefined => (seconds === null || seconds === undefined ? undefined : Math.round(seconds * NS));

/** The reference tasks run: the name as written, pinned to the digest the plan resolved. */
export function pinnedImage(attrs: Pick<ServiceAttributes, "image" | "image_digest">): string {
  return attrs.image_digest ? `${attrs.image}@${attrs.image_digest}` : attrs.image;
}

/** Swarm IDs of the configs and secrets a service mounts, by name: the API takes both. */
export interface ObjectIds {
  configs: ReadonlyMap<string, string>;
  secrets: ReadonlyMap<string, string>;
}

/**
 * ServiceAttributes → the engine's ServiceSpec (docs.docker.com/engine/api/v1.41/#operation/ServiceCreate).
 * Pure, so a unit test shows what a template becomes.
 */
export function serviceSpec(attrs: ServiceAttributes, ids: ObjectIds): Docker.ServiceSpec {
  const settings = attrs.settings as Record<string, unknown>;
  const containerSpec: Docker.ContainerSpec & { Command?: string[]; Args?: string[] } = {
    Image: pinnedImage(attrs),
    Labels: { ...attrs.container_labels, [LABEL_PROJECT]: attrs.project, [LABEL_SERVICE]: attrs.service },
    Env: Object.entries(attrs.environment).map(([k, v]) => `${k}=${v}`),
    ...(attrs.entrypoint ? { Command: attrs.entrypoint } : {}),
    ...(attrs.command ? { Args: attrs.command } : {}),
    ...(attrs.hostname ? { Hostname: attrs.hostname } : {}),
    ...(attrs.working_dir ? { Dir: attrs.working_dir } : {}),
    ...(attrs.user ? { User: attrs.user } : {}),
    ...(attrs.healthcheck ? { HealthCheck: healthcheck(attrs.healthcheck) } : {}),
    ...(attrs.stop_grace_period_seconds !== null ? { StopGracePeriod: ns(attrs.stop_grace_period_seconds) } : {}),
    ...(settings.init !== undefined ? { Init: settings.init as boolean } : {}),
    ...(settings.read_only !== undefined ? { ReadOnly: settings.read_only as boolean } : {}),
    ...(settings.stop_signal !== undefined ? { StopSignal: settings.stop_signal as string } : {}),
    ...(settings.tty !== undefined ? { TTY: settings.tty as boolean } : {}),
    ...(settings.stdin_open !== undefined ? { OpenStdin: settings.stdin_open as boolean } : {}),
    ...(settings.cap_add !== undefined ? { CapabilityAdd: settings.cap_add as string[] } : {}),
    ...(settings.cap_drop !== undefined ? { CapabilityDrop: settings.cap_drop as string[] } : {}),
    ...(settings.sysctls !== undefined ? { Sysctls: settings.sysctls as Record<string, string> } : {}),
    Mounts: attrs.mounts.map((m) => ({
      Type: m.type,
      Source: m.source,
      Target: m.target,
      ReadOnly: m.read_only,
      ...(m.type === "volume" ? { VolumeOptions: { Labels: { [LABEL_PROJECT]: attrs.project } } } : {}),
    })) as Docker.MountSettings[],
    Configs: attrs.configs.map((c) => ({ File: fileOf(c, c.target), ConfigID: ids.configs.get(c.name), ConfigName: c.name })),
    // A secret's target is a file name under /run/secrets, where the engine mounts them.
    Secrets: attrs.secrets.map((s) => ({ File: fileOf(s, s.target.replace(/^\/run\/secrets\//, "")), SecretID: ids.secrets.get(s.name), SecretName: s.name })),
  };
  const limits = attrs.resources.limits;
  const reservations = attrs.resources.reservations;
  const placement = attrs.placement;
  return {
    Name: attrs.name,
    Labels: { ...attrs.labels, [LABEL_PROJECT]: attrs.project, [LABEL_SERVICE]: attrs.service },
    TaskTemplate: {
      ContainerSpec: containerSpec,
      Resources: {
        Limits: {
          ...(limits.cpus !== null ? { NanoCPUs: Math.round(limits.cpus * NS) } : {}),
          ...(limits.memory !== null ? { MemoryBytes: limits.memory } : {}),
          ...(limits.pids !== null ? { Pids: limits.pids } : {}),
        },
        Reservations: {
          ...(reservations.cpus !== null ? { NanoCPUs: Math.round(reservations.cpus * NS) } : {}),
          ...(reservations.memory !== null ? { MemoryBytes: reservations.memory } : {}),
        },
      } as Docker.ResourceRequirements,
      RestartPolicy: {
        Condition: attrs.restart_policy.condition,
        ...(attrs.restart_policy.delay_seconds !== null ? { Delay: ns(attrs.restart_policy.delay_seconds) } : {}),
        ...(attrs.restart_policy.max_attempts !== null ? { MaxAttempts: attrs.restart_policy.max_attempts } : {}),
        ...(attrs.restart_policy.window_seconds !== null ? { Window: ns(attrs.restart_policy.window_seconds) } : {}),
      },
      Placement: {
        Constraints: placement.constraints,
        Preferences: placement.preferences.map((p) => ({ Spread: { SpreadDescriptor: p } })),
        ...(placement.max_replicas_per_node !== null ? { MaxReplicas: placement.max_replicas_per_node } : {}),
      } as Docker.Placement,
      Networks: attrs.networks.map((n) => ({ Target: n.name, Aliases: n.aliases })),
    },
    Mode: { Replicated: { Replicas: attrs.replicas } },
    UpdateConfig: updateConfig(attrs.update_config),
    RollbackConfig: updateConfig(attrs.rollback_config),
    EndpointSpec: {
      Mode: attrs.endpoint_mode,
      Ports: attrs.ports.map((p) => ({
        Protocol: p.protocol,
        TargetPort: p.target,
        ...(p.published !== null ? { PublishedPort: p.published } : {}),
        PublishMode: p.mode,
      })),
    },
  };
}

function fileOf(ref: FileRefAttr, name: string) {
  return { Name: name, UID: ref.uid, GID: ref.gid, Mode: ref.mode };
}

function healthcheck(h: NonNullable<ServiceAttributes["healthcheck"]>): Docker.HealthConfig {
  return {
    ...(h.test.length ? { Test: h.test } : {}),
    ...(h.interval_seconds !== null ? { Interval: ns(h.interval_seconds) } : {}),
    ...(h.timeout_seconds !== null ? { Timeout: ns(h.timeout_seconds) } : {}),
    ...(h.retries !== null ? { Retries: h.retries } : {}),
    ...(h.start_period_seconds !== null ? { StartPeriod: ns(h.start_period_seconds) } : {}),
  };
}

function updateConfig(u: UpdateConfigAttr): Docker.UpdateConfig {
  return {
    Parallelism: u.parallelism,
    Delay: ns(u.delay_seconds),
    FailureAction: u.failure_action,
    Monitor: ns(u.monitor_seconds),
    MaxFailureRatio: u.max_failure_ratio,
    Order: u.order,
  };
}

/**
 * What a running service says about the attributes a hand-made change touches most (docker
 * service scale / update --image / --env-add): drift, compared with the record.
 */
export function observedServiceAttributes(service: Docker.Service, tasksRunning: number): Attributes {
  const spec = service.Spec ?? {};
  const container = (spec.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec ?? {};
  const image = container.Image ?? "";
  const at = image.indexOf("@");
  return {
    name: spec.Name ?? "",
    service_id: service.ID,
    replicas: spec.Mode?.Replicated?.Replicas ?? 0,
    tasks_running: tasksRunning,
    image_digest: at >= 0 ? image.slice(at + 1) : null,
    environment: Object.fromEntries((container.Env ?? []).map((e) => [e.slice(0, e.indexOf("=") < 0 ? e.length : e.indexOf("=")), e.indexOf("=") < 0 ? "" : e.slice(e.indexOf("=") + 1)])),
  };
}
