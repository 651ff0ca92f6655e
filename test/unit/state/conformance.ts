import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../../src/core/types.js";
import type { StateBackend, StateFile } from "../../../state/backend.js";
import { nextState } from "../../../state/new-state.js";

export interface ConformanceSubject {
  backend: StateBackend;
  /** Another backend instance on the same storage, as a second berth process would open it. */
  second: () => Promise<StateBackend>;
  cleanup: () => Promise<void>;
}

const PROJECT = "shop";

const network: RecordedResource = {
  address: "network.default",
  type: "network",
  provider: "docker",
  attributes: { name: "shop_default", driver: "bridge" },
};

function container(index: number, image = "nginx:1.27"): RecordedResource {
  return {
    address: `container.web[${index}]`,
    type: "container",
    provider: "docker",
    attributes: { image, name: `shop_web_${index}` },
    dependsOn: ["network.default"],
  };
}

/**
 * What every state backend must do; run it once per backend:
 * `stateBackendConformance("local", async () => ({ backend, second, cleanup }))`.
 */
export function stateBackendConformance(name: string, make: () => Promise<ConformanceSubject>): void {
  describe(`state backend conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    let backend: StateBackend;
    let opened: StateBackend[];

    async function second(): Promise<StateBackend> {
      const other = await subject.second();
      opened.push(other);
      return other;
    }

    async function writeNext(target: StateBackend, prev: StateFile | null, resources: RecordedResource[]): Promise<StateFile> {
      const next = nextState(prev, PROJECT, resources);
      await target.write(next, prev?.serial ?? 0);
      return next;
    }

    beforeEach(async () => {
      subject = await make();
      backend = subject.backend;
      opened = [backend];
    });

    afterEach(async () => {
      for (const instance of opened) await instance.close?.();
      await subject.cleanup();
    });

    it("reads null before anything was written", async () => {
      expect(await backend.read()).toBeNull();
    });

    it("reads back the state it wrote, resources in address order", async () => {
      const written = await writeNext(backend, null, [container(1), network, container(0)]);

      const read = await backend.read();

      expect(read).toEqual(written);
      expect(read?.serial).toBe(1);
      expect(read?.resources.map((r) => r.address)).toEqual(["container.web[0]", "container.web[1]", "network.default"]);
    });

    it("shows the state to another instance on the same storage", async () => {
      const written = await writeNext(backend, null, [network]);

      expect(await (await second()).read()).toEqual(written);
    });

    it("refuses a write against the wrong serial with E_STATE_MOVED and changes nothing", async () => {
      const first = await writeNext(backend, null, [network]);
      const stale = { ...nextState(first, PROJECT, [network, container(0)]), serial: 3 };

      await expect(backend.write(stale, 2)).rejects.toMatchObject({ code: "E_STATE_MOVED" });
      expect(await backend.read()).toEqual(first);
    });

    it("refuses to create a state that already exists", async () => {
      const first = await writeNext(backend, null, [network]);

      await expect(writeNext(await second(), null, [container(0)])).rejects.toMatchObject({ code: "E_STATE_MOVED" });
      expect(await backend.read()).toEqual(first);
    });

    it("increments the serial and keeps the lineage across writes", async () => {
      const first = await writeNext(backend, null, [network]);
      const secondState = await writeNext(backend, first, [network, container(0)]);
      await writeNext(backend, secondState, [network, container(0, "nginx:1.28")]);

      const read = await backend.read();

      expect(read?.serial).toBe(3);
      expect(read?.lineage).toBe(first.lineage);
      expect(read?.resources[0].attributes.image).toBe("nginx:1.28");
    });

    it("refuses a second lock, naming pid, host and command", async () => {
      const lock = await backend.lock("berth apply");
      try {
        const refused = (await second()).lock("berth destroy");

        await expect(refused).rejects.toMatchObject({ code: "E_STATE_LOCKED" });
        const message = await refused.catch((e: Error) => e.message);
        expect(message).toContain(`pid ${process.pid}`);
        expect(message).toContain(hostname());
        expect(message).toContain("berth apply");
      } finally {
        await lock.release();
      }
    });

    it("can be locked again once released", async () => {
      const first = await backend.lock("berth apply");
      await first.release();

      const again = await (await second()).lock("berth apply");
      await again.release();
      const third = await backend.lock("berth apply");
      await third.release();
    });

    it("lets exactly one of several concurrent writers with the same expected serial win", async () => {
      const base = await writeNext(backend, null, [network]);
      const writers = [backend, await second(), await second(), await second()];
      const candidates = writers.map((_, i) => nextState(base, PROJECT, [network, container(i)]));

      const results = await Promise.allSettled(writers.map((writer, i) => writer.write(candidates[i], base.serial)));

      const winners = results.flatMap((result, i) => (result.status === "fulfilled" ? [candidates[i]] : []));
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "E_STATE_MOVED" });
      }
      expect(await backend.read()).toEqual(winners[0]);
    });
  });
}
