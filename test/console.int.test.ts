/**
 * The console in a real browser (Debian's headless Chromium, driven by playwright-core)
 * against the real service: sign in, see an incident arrive live, open it, approve its
 * proposal and find the pull request link. A screenshot is kept in test-artifacts/.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { System } from "../src/main.js";
import { startFakeForge, type FakeForge } from "./fakes/forge-servers.js";
import { bareRemote } from "./helpers/git-remote.js";
import { REPO, readJson, startSystem, tempDir, waitForIncident } from "./helpers/system.js";

const CHROMIUM = process.env.AIOPS_TEST_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = join(REPO, "test-artifacts");
const TOKEN = "console-test-token-0123456789";
const FIRING = readJson(join(REPO, "examples/webhooks/crashloop-firing.json"));
const AXE = join(REPO, "node_modules/axe-core/axe.min.js");

/** The part of axe-core's API the test calls in the page. */
interface AxeApi {
  run(
    context: unknown,
    options: { runOnly: string[] },
  ): Promise<{ violations: { id: string; impact?: string | null; nodes: unknown[] }[] }>;
}

describe("the console in a browser", () => {
  let system: System;
  let forge: FakeForge;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set AIOPS_TEST_CHROMIUM`,
      );
    }
    if (!existsSync(join(REPO, "dist/console/index.html"))) {
      throw new Error("the console is not built: npm run build");
    }
    forge = await startFakeForge("github");
    const { remote } = bareRemote();
    system = await startSystem({
      server: { host: "127.0.0.1", port: 0 },
      auth: { bearerToken: TOKEN, disabled: false },
      gitops: {
        repo: remote,
        workdir: join(tempDir(), "gitops"),
        paths: ["apps"],
        // The pull request is opened when a person approves, from the console.
        pullRequests: "on-approve",
        forge: { kind: "github", url: forge.url, repo: forge.repo, token: forge.token },
      },
    });
    base = await system.listen();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await system?.close();
    await forge?.close();
  });

  /** WCAG 2 A/AA rules of axe-core that the page breaks seriously or critically. */
  async function accessibilityViolations(page: Page): Promise<string[]> {
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: AxeApi }).axe;
      const page = (globalThis as unknown as { document: unknown }).document;
      const result = await axe.run(page, { runOnly: ["wcag2a", "wcag2aa"] });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.length,
        where: JSON.stringify(v.nodes.map((n) => (n as { target: unknown }).target)),
      }));
    });
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}) at ${v.where.slice(0, 300)}`);
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  }

  it("shows an incident arriving live, opens it, approves it and links the pull request", async () => {
    // axe-core is injected as a script, which the console's CSP rightly refuses: bypass it for the check only.
    const page = await (await browser.newContext({ bypassCSP: true })).newPage();
    const failed: string[] = [];
    // Only this origin: the console must work with no network beyond the service.
    page.on("request", (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith("data:")) failed.push(request.url());
    });
    page.on("pageerror", (error) => failed.push(`page error: ${error.message}`));

    // Without credentials the console asks for them.
    await page.goto(`${base}/`);
    await page.getByTestId("sign-in").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    // A link carrying the token signs in, and the token leaves the address bar.
    await page.goto(`${base}/#token=${TOKEN}`);
    await expect.poll(() => page.getByTestId("connection-status").textContent()).toMatch(/live/i);
    expect(page.url()).not.toContain(TOKEN);
    await page.evaluate(() => ((globalThis as unknown as { marker: string }).marker = "no reload"));

    // The webhook arrives after the page loaded: the row comes through the event stream.
    const accepted = await fetch(`${base}/alert`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(FIRING),
    });
    expect(accepted.status).toBe(202);
    const incident = await waitForIncident(system, (i) => i.proposal?.state === "proposed");
    const row = page.locator(`[data-testid="incident-row"][data-incident-id="${incident.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => row.textContent()).toMatch(/planned/i);
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe(
      "no reload",
    );
    await screenshot(page, "console-list.png");
    expect(await accessibilityViolations(page)).toEqual([]);

    // The incident page: diagnosis, the change as a diff, and the decision.
    await row.getByRole("link").first().click();
    await page.waitForURL(new RegExp(`#/incidents/${encodeURIComponent(incident.id)}`));
    await page
      .getByText(incident.diagnosis?.summary ?? "(no summary)")
      .first()
      .waitFor();
    expect(await page.textContent("body")).toContain("256Mi");
    expect(forge.pulls).toHaveLength(0);
    await page.getByTestId("approve").click();

    const link = page.getByTestId("pull-request-link");
    await link.waitFor({ timeout: 15_000 });
    expect(forge.pulls).toHaveLength(1);
    const stored = await system.store.get(incident.id);
    expect(stored?.proposal?.decision?.verdict).toBe("approved");
    expect(stored?.proposal?.pullRequest?.url).toMatch(new RegExp(`^${forge.url}/.+/pull/1$`));
    expect(await link.getAttribute("href")).toBe(stored?.proposal?.pullRequest?.url);
    await expect.poll(() => page.getByTestId("proposal-status").textContent()).toMatch(/approved/i);
    await screenshot(page, "console-incident.png");
    expect(await accessibilityViolations(page)).toEqual([]);

    expect(failed).toEqual([]);
    await page.context().close();
  }, 60_000);
});
