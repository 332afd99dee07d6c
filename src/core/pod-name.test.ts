import { describe, expect, it } from "vitest";
import { workloadFromPodName, workloadNameFromPod } from "./pod-name.js";

describe("workloadFromPodName", () => {
  it.each([
    ["cart-6b8f5d7c9d-wnq2n", { kind: "Deployment", name: "cart" }],
    ["pricing-engine-rqjnm9tb2-68xg9", { kind: "Deployment", name: "pricing-engine" }],
    ["keycloak-2", { kind: "StatefulSet", name: "keycloak" }],
    ["data-kafka-controller-12", { kind: "StatefulSet", name: "data-kafka-controller" }],
    ["invoice-export-29733240-k8m4s", { kind: "Job", name: "invoice-export-29733240" }],
  ])("%s", (pod, expected) => {
    expect(workloadFromPodName(pod)).toEqual(expected);
  });

  it.each(["standalone", "node-exporter-x8k2p", "cart-aeiou-wnq2n"])("no guess for %s", (pod) => {
    expect(workloadFromPodName(pod)).toBeUndefined();
  });
});

describe("workloadNameFromPod", () => {
  it.each([
    ["cart-6b8f5d7c9d-wnq2n", "cart"],
    ["checkout-service-7f9c8d6b5-x2x9q", "checkout-service"],
    ["redis-master-0", "redis-master"],
    ["node-exporter-x7k2p", "node-exporter"],
    ["standalone", "standalone"],
  ])("%s belongs to %s", (pod, workload) => {
    expect(workloadNameFromPod(pod)).toBe(workload);
  });
});
