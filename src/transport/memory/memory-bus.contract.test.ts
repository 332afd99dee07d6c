import { describeBusContract } from "../bus.contract.js";
import { MemoryBus } from "./memory-bus.js";

describeBusContract("MemoryBus", {
  create: async (options) => new MemoryBus(options),
  // One process: a second consumer of the same durable subscribes on the same bus.
  peer: async (bus) => bus,
});
