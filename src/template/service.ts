import { isMap } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import { readAliyunLabels } from "./aliyun-labels.js";
import { readBuild, readPullPolicy } from "./keys-build.js";
import { readCommand, readEntrypoint } from "./keys-command.js";
import { readEnvFile, readEnvironment } from "./keys-environment.js";
import { readHealthcheck } from "./keys-healthcheck.js";
import { readLabels } from "./keys-labels.js";
import { readExpose, readPorts } from "./keys-ports.js";
import { readDependsOn, readExtraHosts, readLinks, readVolumesFrom } from "./keys-references.js";
import { readDeploy, readScale } from "./keys-scale.js";
import { readContainerName, readHostname, readImage, readRestart, readUser, readWorkingDir } from "./keys-text.js";
import { readVolumes } from "./keys-volumes.js";
import { readNetworkMode, readNetworks } from "./keys-networks.js";
import { fileReader } from "./keys-files.js";
import { NO_EFFECT_SERVICE_KEYS, isExtension, refuseServiceKey, warnNoEffect } from "./compose-keys.js";
import type { LoadContext, YamlNode } from "./load-context.js";
import { settleScale } from "./scale.js";
import { settleSettings } from "./settle-settings.js";
import { readProfiles } from "./profiles.js";
import { CONTAINER_KEY_READERS } from "./keys-container.js";
import { newDraft, type KeyReader, type ServiceDraft } from "./service-draft.js";
import { describe, mapEntries } from "./yaml-nodes.js";
import { sortedRecord } from "./key-helpers.js";

/** Every service key Berth reads. Anything else is refused (compose-keys.ts), except the few that change nothing. */
export const KEY_READERS: Record<string, KeyReader> = {
  image: readImage,
  build: readBuild,
  pull_policy: readPullPolicy,
  command: readCommand,
  entrypoint: readEntrypoint,
  environment: readEnvironment,
  env_file: readEnvFile,
  expose: readExpose,
  ports: readPorts,
  links: readLinks,
  extra_hosts: readExtraHosts,
  labels: readLabels,
  restart: readRestart,
  volumes: readVolumes,
  depends_on: readDependsOn,
  volumes_from: readVolumesFrom,
  healthcheck: readHealthcheck,
  hostname: readHostname,
  working_dir: readWorkingDir,
  user: readUser,
  container_name: readContainerName,
  scale: readScale,
  deploy: readDeploy,
  networks: readNetworks,
  network_mode: readNetworkMode,
  secrets: fileReader("secret"),
  configs: fileReader("config"),
  profiles: readProfiles,
  // Carried out before any service is read (compose-files.ts); it stays only when its base could not be found.
  extends: () => {},
  ...CONTAINER_KEY_READERS,
};

const SERVICE_NAME = /^[a-zA-Z0-9._-]+$/;

/** Reads one service's map into a draft; problems go to the context, the draft keeps what was valid. */
export function readService(ctx: LoadContext, name: string, nameLoc: SourceLoc, value: YamlNode): ServiceDraft {
  const draft = newDraft(name, nameLoc);
  if (!SERVICE_NAME.test(name)) {
    ctx.error("E_NAME", `service name '${name}' may only contain letters, digits, '.', '_' and '-'`, nameLoc);
  }
  if (!isMap(value)) {
    ctx.error("E_TYPE", `service '${name}' must be a map of settings (image, ports, labels, ...), got ${describe(value)}`, ctx.loc(value, nameLoc));
    return draft;
  }
  for (const entry of mapEntries(ctx, value)) {
    draft.spec.keyLocs[entry.key] = entry.keyLoc;
    const reader = KEY_READERS[entry.key];
    if (reader) reader({ ctx, service: name, key: entry.key, keyLoc: entry.keyLoc, value: entry.value, valueLoc: entry.valueLoc }, draft);
    else if (entry.key in NO_EFFECT_SERVICE_KEYS) warnNoEffect(ctx, name, entry);
    else if (!isExtension(entry.key)) refuseServiceKey(ctx, name, entry);
  }
  finishService(ctx, draft);
  return draft;
}

/** The parts that depend on several keys at once. */
function finishService(ctx: LoadContext, draft: ServiceDraft): void {
  const { spec } = draft;
  // environment: wins over env_file, as in compose.
  spec.environment = sortedRecord({ ...draft.envFromFiles, ...draft.envFromKey });
  spec.labels = sortedRecord(spec.labels);
  readAliyunLabels(ctx, draft);
  settleScale(ctx, draft);
  settleSettings(ctx, draft);
  if (spec.containerName !== null && spec.aliyun.scale > 1) {
    // As compose: one name cannot be given to several containers.
    ctx.error("E_CONTAINER_NAME", `container_name '${spec.containerName}' names one container, but service '${spec.name}' has scale ${spec.aliyun.scale}`, spec.keyLocs.container_name);
  }
  // A written but bad image/build was already reported where it was written; an `extends:`
  // still here names a base that was not found (reported), which is why there is none.
  if (!("image" in spec.keyLocs) && !("build" in spec.keyLocs) && !("extends" in spec.keyLocs)) {
    ctx.error("E_NO_IMAGE", `service '${spec.name}' needs an image or a build to run`, spec.loc);
  }
  checkPullPolicy(ctx, draft);
}

/** pull_policy: build needs something to build; always with a build would pull over what Berth builds. */
function checkPullPolicy(ctx: LoadContext, draft: ServiceDraft): void {
  const { spec } = draft;
  const loc = spec.keyLocs.pull_policy;
  if (!loc || spec.pullPolicy === null || !("build" in spec.keyLocs)) {
    if (loc && spec.pullPolicy === "build") ctx.error("E_PULL_POLICY", `pull_policy: build needs a build: section in service '${spec.name}'`, loc);
    return;
  }
  if (spec.pullPolicy === "always") {
    ctx.error("E_PULL_POLICY", `pull_policy: always with build: is not supported: Berth builds the image of service '${spec.name}'; use build or missing`, loc);
  }
}
