/**
 * Opens a generated report in headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core) and checks that it loads without errors or
 * network requests and shows its charts, tables and images. Skipped when
 * Chromium is missing, unless TRAINLAB_REQUIRE_BROWSER=1. Set
 * TRAINLAB_SCREENSHOT_DIR to keep the full-page screenshot there.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { writeReport } from "../../src/report/html.js";
import { sampleStudy, saveStudy, writeFashionFixture } from "./fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const REQUIRED = process.env.TRAINLAB_REQUIRE_BROWSER === "1";
const SKIP = !existsSync(CHROMIUM) && !REQUIRED ? `${CHROMIUM} not found (apt-get install chromium; set TRAINLAB_REQUIRE_BROWSER=1 to fail instead)` : false;

test("report renders in Chromium", { skip: SKIP, timeout: 120_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found, and TRAINLAB_REQUIRE_BROWSER=1 requires it`);
  const dir = mkdtempSync(join(tmpdir(), "trainlab-browser-"));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    saveStudy(join(dir, "study"), sampleStudy());
    writeFashionFixture(join(dir, "data"));
    const reportPath = await writeReport(join(dir, "study"), { dataDir: join(dir, "data") });
    const reportUrl = pathToFileURL(reportPath).href;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") errors.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    page.on("request", (request) => requests.push(request.url()));
    page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()}`));
    await page.goto(reportUrl, { waitUntil: "load" });

    const sections = await page.$$eval("section.dataset", (nodes) =>
      nodes.map((node) => ({
        heading: node.querySelector("h2")?.textContent ?? "",
        charts: [...node.querySelectorAll(".charts svg")].filter((svg) => svg.getBoundingClientRect().width > 100).length,
        summaryRows: node.querySelectorAll("table.summary tbody tr").length,
        settingsTables: node.querySelectorAll("table.settings").length,
      })),
    );
    assert.deepEqual(sections.map((s) => s.heading), ["fashion-mnist", "california-housing"]);
    for (const section of sections) {
      assert.ok(section.charts >= 1, `${section.heading}: no visible chart`);
      assert.ok(section.summaryRows >= 1, `${section.heading}: no summary rows`);
      assert.equal(section.settingsTables, 1, `${section.heading}: settings table`);
    }
    assert.equal(sections[0]!.charts, 4);
    assert.equal(sections[0]!.summaryRows, 3);

    const images = await page.$$eval(".image-grid img", (nodes) => nodes.map((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth));
    assert.equal(images.length, 25);
    assert.ok(images.every((width) => width === 28), `images not decoded: ${images.join(",")}`);
    assert.equal(await page.$$eval("script", (nodes) => nodes.length), 0);
    assert.equal(await page.title(), "initializers & optimizers: trainlab report");
    const variantCell = await page.$eval("table.summary tbody tr:nth-child(2) th", (node) => node.textContent);
    assert.equal(variantCell, "<script>alert(1)</script>", "escaped name shows as text");

    // The screenshot is deleted with the temporary directory unless
    // TRAINLAB_SCREENSHOT_DIR names a directory to keep it in.
    const screenshotDir = process.env.TRAINLAB_SCREENSHOT_DIR || dir;
    const screenshot = join(screenshotDir, "report.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok(statSync(screenshot).size > 10_000, "screenshot is too small to show the page");
    t.diagnostic(`screenshot: ${screenshot}`);

    assert.deepEqual(errors, []);
    const external = requests.filter((url) => url !== reportUrl && !url.startsWith("data:"));
    assert.deepEqual(external, [], "the report requested other resources");
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
