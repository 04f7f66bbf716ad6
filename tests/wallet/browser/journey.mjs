// The beneficiary's journey in a phone-sized headless Chromium: claim a badge with its code,
// read it, share it with an employer (preview first), open the link as the employer, withdraw
// it, and see the link answer 410 (in French, or in English with input.lang "en"). axe-core runs on every page; the result is printed as JSON
// for tests/wallet/test_browser_journey.py to assert on. Input (stdin): {base, code, chromium}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const input = JSON.parse(readFileSync(0, "utf8"));
const result = { pages: [], notes: {} };
// The words each step looks for, in the language of the run (input.lang: "fr" or "en").
const english = input.lang === "en";
const acceptLanguage = english ? "en-GB,en;q=0.9" : "fr-FR,fr;q=0.9";
const words = english
  ? { claimed: "Your badge has arrived", verified: "Authentic badge", preview: "What the company will see",
      opened: "opened", withdrawn: "The link is taken back" }
  : { claimed: "Votre badge est arrivé", verified: "Badge authentique", preview: "Ce que l'entreprise verra",
      opened: "ouvert", withdrawn: "Le lien est retiré" };

const browser = await puppeteer.launch({
  executablePath: input.chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});

async function audit(page, name) {
  await page.addScriptTag({ content: axeSource });
  const found = await page.evaluate(async () => {
    const report = await window.axe.run(document, { resultTypes: ["violations"] });
    return report.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
      help: v.help, target: v.nodes[0] && v.nodes[0].target }));
  });
  result.pages.push({ name, url: page.url(), violations: found });
}

try {
  const holder = await browser.newPage();
  await holder.setBypassCSP(true);
  await holder.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
  // A French (or English) phone: the pages follow Accept-Language.
  await holder.setExtraHTTPHeaders({ "Accept-Language": acceptLanguage });

  await holder.goto(`${input.base}/reclamer/${input.code}`);
  await audit(holder, "claim");
  await holder.type("#display_name", "Samir");
  await Promise.all([holder.waitForNavigation(), holder.click("button[type=submit]")]);
  result.notes.claimed = (await holder.content()).includes(words.claimed);
  await audit(holder, "claimed");

  await holder.goto(`${input.base}/portefeuille`);
  await audit(holder, "home");
  const badgeHref = await holder.$eval("a[href^='/portefeuille/badges/']", (a) => a.getAttribute("href"));
  await holder.goto(`${input.base}${badgeHref}`);
  result.notes.badge_verified = (await holder.content()).includes(words.verified);
  await audit(holder, "badge");

  await holder.goto(`${input.base}/portefeuille/partager`);
  await audit(holder, "share-form");
  await holder.click("input[name=badge]");
  await holder.type("#audience", "Entreprise Exemple Maçonnerie");
  await holder.select("#expires", "7d");
  await Promise.all([holder.waitForNavigation(), holder.click("button[type=submit]")]);
  result.notes.preview = (await holder.content()).includes(words.preview);
  await audit(holder, "preview");
  await Promise.all([holder.waitForNavigation(), holder.click("form[action='/portefeuille/partager'] button[type=submit]")]);
  const link = await holder.$eval(".share-link a", (a) => a.getAttribute("href"));
  await audit(holder, "share-created");

  const employer = await browser.newPage();
  await employer.setBypassCSP(true);
  await employer.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
  await employer.setExtraHTTPHeaders({ "Accept-Language": acceptLanguage });
  const opened = await employer.goto(link);
  result.notes.employer_status = opened.status();
  result.notes.employer_verified = (await employer.content()).includes(words.verified);
  await audit(employer, "employer");

  await holder.bringToFront(); // the employer's tab took the focus: act in the holder's again
  const detailHref = await holder.$eval("a[href^='/portefeuille/partages/']", (a) => a.getAttribute("href"));
  await holder.goto(`${input.base}${detailHref}`);
  result.notes.log_shows_opening = (await holder.content()).includes(words.opened);
  await audit(holder, "access-log");
  await Promise.all([holder.waitForNavigation(), holder.click("form[action$='/retirer'] button")]);
  result.notes.withdrawn_message = (await holder.content()).includes(words.withdrawn);

  await employer.bringToFront();
  const gone = await employer.goto(link);
  result.notes.gone_status = gone.status();
  await audit(employer, "gone");
} catch (error) {
  result.error = String(error && error.stack || error);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result));
