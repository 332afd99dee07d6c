import { afterAll, describe, expect, it } from "vitest";
import { tryStartChromaServer } from "../../../test/helpers/chroma-server.js";
import { BackendError } from "../../core/errors.js";
import { describeVectorStoreContract, freshSpace, makeRecord, unitVector } from "../vector-store.contract.js";
import { ChromaVectorStore, collectionName } from "./chroma-vector-store.js";

// One real server for this file; each test uses spaces (collections) of its own.
const server = await tryStartChromaServer();
const unavailable = "unavailable" in server ? server.unavailable : undefined;
if (unavailable)
  console.warn(`skipping ChromaVectorStore tests: Chroma server cannot run here: ${unavailable}`);
afterAll(async () => {
  if (!("unavailable" in server)) await server.dispose();
});
const url = "unavailable" in server ? "http://127.0.0.1:1" : server.url;

describe.skipIf(unavailable !== undefined)("ChromaVectorStore on a real server", () => {
  describeVectorStoreContract("chroma", async () => new ChromaVectorStore({ url }));

  it("creates one cosine collection per space, named from model and dimension", async () => {
    const store = new ChromaVectorStore({ url });
    const space = freshSpace(8, "nomic-embed-text:latest");
    await store.upsert(space, [{ vector: unitVector(8, [1]), record: makeRecord("c1") }]);
    const name = collectionName("aiops", space);
    const response = await fetch(
      `${url}/api/v2/tenants/default_tenant/databases/default_database/collections/${name}`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { configuration_json?: { hnsw?: { space?: string } } };
    expect(body.configuration_json?.hnsw?.space).toBe("cosine");
    await store.close();
  });
});

describe("collectionName", () => {
  const valid = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/;
  it("keeps simple model names readable", () => {
    expect(collectionName("aiops", { model: "hashing-v1", dimension: 384 })).toBe("aiops-hashing-v1-d384");
  });
  it("sanitises, shortens and disambiguates other names within Chroma's rules", () => {
    const names = [
      { model: "nomic-embed-text:latest", dimension: 768 },
      { model: "nomic-embed-text/latest", dimension: 768 },
      { model: "text-embedding-3-small", dimension: 1536 },
      { model: "..weird..model..", dimension: 8 },
      { model: "x".repeat(200), dimension: 8 },
      { model: "x".repeat(201), dimension: 8 },
      { model: "ünïcödé", dimension: 8 },
      { model: "", dimension: 8 },
    ].map((space) => collectionName("aiops", space));
    for (const name of names) {
      expect(name).toMatch(valid);
      expect(name).not.toContain("..");
    }
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("ChromaVectorStore errors", () => {
  it("maps an unreachable server to a retryable BackendError", async () => {
    const store = new ChromaVectorStore({ url: "http://127.0.0.1:1" });
    const error = await store.count(freshSpace()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ backend: "chroma", retryable: true });
  });
});
