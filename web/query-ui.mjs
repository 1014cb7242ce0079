// Drives the query page in headless Chromium (Debian's /usr/bin/chromium) with playwright-core:
// opens /query, checks that the example queries are there as tabs, runs the selected tab's
// query, waits for the result table, and saves a screenshot.
// Usage: node query-ui.mjs BASE_URL SCREENSHOT.png [USER_DATA_DIR]
// Prints one JSON line: {tabs, rows, firstCell, errors}.
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, screenshot, userDir] = process.argv.slice(2);
const dataDir = userDir || mkdtempSync(join(tmpdir(), "vrlkg-chromium-"));
const context = await chromium.launchPersistentContext(dataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
  viewport: { width: 1280, height: 900 },
});
const errors = [];
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (e) => errors.push(String(e)));
  // Offline: nothing but our own server may be contacted.
  await page.route("**/*", (route) =>
    route.request().url().startsWith(base) ? route.continue() : route.abort());
  await page.goto(`${base}/query#dmc-evaluations`, { waitUntil: "load" });
  await page.waitForFunction(() => window.vrlkgYasgui && document.querySelector(".yasqe .CodeMirror"));
  const tabs = await page.$$eval(".tabPanel, .yasgui .tabsList .tab a", (els) =>
    els.map((e) => e.textContent.trim()).filter(Boolean));
  const tabNames = await page.evaluate(() =>
    Object.values(window.vrlkgYasgui._tabs).map((t) => t.getName()));
  await page.evaluate(() => window.vrlkgYasgui.getTab().query());
  await page.waitForSelector(".yasr table tbody tr td", { timeout: 20000 });
  const rows = await page.$$eval(".yasr table tbody tr", (trs) => trs.length);
  const firstCell = await page.$$eval(".yasr table tbody tr td", (tds) =>
    tds.map((t) => t.textContent.trim()).filter(Boolean).slice(0, 6).join(" | "));
  await page.screenshot({ path: screenshot, fullPage: false });
  console.log(JSON.stringify({ tabs: tabNames, panels: tabs.length, rows, firstCell, errors }));
} finally {
  await context.close();
}
