import { describe, expect, it } from "vitest";
import { validate } from "./config/load.js";
import { ConfigError } from "./core/errors.js";
import { createContextSource } from "./main.js";

describe("createContextSource", () => {
  it("puts Prometheus beside the cluster source and Loki behind both when configured", () => {
    const config = validate({
      context: {
        kind: "none",
        prometheus: { url: "http://127.0.0.1:9" },
        loki: { url: "http://127.0.0.1:9" },
      },
    });
    expect(createContextSource(config.context).name).toBe("none+prometheus+loki");
    expect(createContextSource(validate({}).context).name).toBe("none");
  });

  it("refuses a Kubernetes context with no usable configuration", () => {
    const config = validate({
      context: { kind: "kubernetes", kubernetes: { kubeconfig: "/nonexistent/kubeconfig" } },
    });
    expect(() => createContextSource(config.context)).toThrow(ConfigError);
  });
});
