import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import { loadConfig } from "./load.js";

describe("gitops and apply configuration", () => {
  it("defaults to propose-only with no repository", () => {
    const config = loadConfig({ env: {} });
    expect(config.gitops).toMatchObject({
      baseBranch: "main",
      paths: ["."],
      pullRequests: "auto",
      forge: { kind: "none" },
    });
    expect(config.apply).toMatchObject({
      mode: "propose",
      ratePerHour: 3,
      onApprove: "pull-request",
      allow: { actions: [], namespaces: [] },
    });
  });

  it("reads lists and credentials from the environment", () => {
    const config = loadConfig({
      env: {
        AIOPS_GITOPS_REPO: "https://git.example.com/acme/gitops.git",
        AIOPS_GITOPS_PATHS: "apps, clusters/**",
        AIOPS_FORGE: "gitea",
        AIOPS_FORGE_URL: "https://git.example.com",
        AIOPS_FORGE_REPO: "acme/gitops",
        AIOPS_FORGE_TOKEN: "t0ken-value",
        AIOPS_APPLY_MODE: "auto",
        AIOPS_APPLY_ALLOW_ACTIONS: "scale,increase_hpa_max",
        AIOPS_APPLY_ALLOW_NAMESPACES: "dev",
      },
    });
    expect(config.gitops.paths).toEqual(["apps", "clusters/**"]);
    expect(config.gitops.forge).toMatchObject({ kind: "gitea", repo: "acme/gitops", token: "t0ken-value" });
    expect(config.apply.allow).toEqual({ actions: ["scale", "increase_hpa_max"], namespaces: ["dev"] });
  });

  it("names the missing key of a forge", () => {
    expect(() =>
      loadConfig({
        env: {
          AIOPS_GITOPS_REPO: "/srv/gitops",
          AIOPS_FORGE: "gitlab",
          AIOPS_FORGE_REPO: "g/p",
          AIOPS_FORGE_TOKEN: "x",
        },
      }),
    ).toThrow(/gitops\.forge\.url/);
    expect(() => loadConfig({ env: { AIOPS_FORGE: "github" } })).toThrow(ConfigError);
  });
});
