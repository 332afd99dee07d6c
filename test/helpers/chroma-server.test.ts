import { describe, expect, it } from "vitest";
import { tryStartChromaServer } from "./chroma-server.js";

describe("startChromaServer", () => {
  it("serves the heartbeat on loopback, and stop() ends the real server process", async (ctx) => {
    const server = await tryStartChromaServer();
    if ("unavailable" in server) {
      ctx.skip(`Chroma server cannot run here: ${server.unavailable}`);
      return;
    }
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const response = await fetch(`${server.url}/api/v2/heartbeat`);
    expect(response.status).toBe(200);
    await server.dispose();
    await expect(fetch(`${server.url}/api/v2/heartbeat`)).rejects.toThrow();
  });
});
