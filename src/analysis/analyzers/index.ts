import type { Analyzer } from "../analyzer.js";
import { badRolloutAnalyzer } from "./bad-rollout.js";
import { cpuThrottlingAnalyzer } from "./cpu-throttling.js";
import { crashLoopAppErrorAnalyzer } from "./crash-loop-app-error.js";
import { dependencyUnavailableAnalyzer } from "./dependency-unavailable.js";
import { diskFillingAnalyzer } from "./disk-filling.js";
import { evictedAnalyzer } from "./evicted.js";
import { hpaMaxedOutAnalyzer } from "./hpa-maxed-out.js";
import { imagePullErrorAnalyzer } from "./image-pull-error.js";
import { initContainerFailureAnalyzer } from "./init-container-failure.js";
import { insufficientResourcesAnalyzer } from "./insufficient-resources.js";
import { jobFailedAnalyzer } from "./job-failed.js";
import { livenessProbeFailureAnalyzer } from "./liveness-probe-failure.js";
import { missingConfigAnalyzer } from "./missing-config.js";
import { nodeNotReadyAnalyzer } from "./node-not-ready.js";
import { oomKilledAnalyzer } from "./oom-killed.js";
import { readinessProbeFailureAnalyzer } from "./readiness-probe-failure.js";
import { unschedulableConstraintsAnalyzer } from "./unschedulable-constraints.js";
import { volumeErrorAnalyzer } from "./volume-error.js";

/** Every analyzer, one per category (`unknown` is what ranking concludes when none is convincing). */
export const ANALYZERS: readonly Analyzer[] = [
  oomKilledAnalyzer,
  crashLoopAppErrorAnalyzer,
  missingConfigAnalyzer,
  imagePullErrorAnalyzer,
  insufficientResourcesAnalyzer,
  unschedulableConstraintsAnalyzer,
  volumeErrorAnalyzer,
  livenessProbeFailureAnalyzer,
  readinessProbeFailureAnalyzer,
  cpuThrottlingAnalyzer,
  diskFillingAnalyzer,
  nodeNotReadyAnalyzer,
  badRolloutAnalyzer,
  dependencyUnavailableAnalyzer,
  hpaMaxedOutAnalyzer,
  jobFailedAnalyzer,
  evictedAnalyzer,
  initContainerFailureAnalyzer,
];
