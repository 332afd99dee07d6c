import type { Finding } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import type { Category } from "../core/vocabulary.js";

/**
 * One known failure mode: reads the evidence and returns what it can prove, with a
 * confidence that reflects how direct the evidence is (a kubelet-reported reason is
 * direct; a symptom such as a crash loop is not). Pure; never throws on odd evidence.
 */
export interface Analyzer {
  name: string;
  category: Category;
  analyze(e: Evidence): Finding[];
}
