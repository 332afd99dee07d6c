import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { startNatsServer } from "./nats-server.js";

describe("the nats-server harness", () => {
  it("starts a JetStream server that keeps its streams across a restart", async () => {
    const server = await startNatsServer();
    try {
      let nc = await connect({ servers: server.url });
      let jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: "HARNESS", subjects: ["harness.>"] });
      await nc.close();
      await server.stop();
      await server.start();
      nc = await connect({ servers: server.url });
      jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info("HARNESS")).config.name).toBe("HARNESS");
      await nc.close();
    } finally {
      await server.dispose();
    }
  });
});
