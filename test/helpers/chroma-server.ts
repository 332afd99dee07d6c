/** The Chroma server harness lives in src/harness (the benchmarks use it too). */
export {
  CHROMA_CLI,
  startChromaServer,
  tryStartChromaServer,
  type ChromaServer,
} from "../../src/harness/chroma-server.js";
