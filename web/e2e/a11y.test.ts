// The accessibility check itself, on small static pages: it must flag each
// kind of problem it claims to catch, and pass a page that has none.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { accessibilityProblems } from "./a11y.js";

describe("accessibility check", () => {
  let browser: Browser;
  let page: Page;
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    });
    page = await browser.newPage();
  });
  after(async () => browser?.close());

  const problemsOf = async (body: string, lang = "en") => {
    await page.setContent(`<!doctype html><html lang="${lang}"><body>${body}</body></html>`);
    return (await accessibilityProblems(page)).map((p) => p.rule);
  };

  it("passes a page with labelled, reachable, legible controls", async () => {
    assert.deepEqual(
      await problemsOf(`<h1>Title</h1><label for="a">Name</label><input id="a"><button aria-label="Close"><svg aria-hidden="true"></svg></button><a href="#x">More</a><img src="x.png" alt="">`),
      [],
    );
  });

  it("flags a missing language, an unnamed icon button and an image without alt", async () => {
    assert.deepEqual(await problemsOf(`<p>hi</p>`, ""), ["lang"]);
    assert.deepEqual(await problemsOf(`<button><svg width="10" height="10"></svg></button>`), ["name"]);
    assert.deepEqual(await problemsOf(`<img src="x.png" width="10" height="10">`), ["image"]);
  });

  it("flags low-contrast text but not a disabled control", async () => {
    assert.deepEqual(await problemsOf(`<p style="color:#bbb">faint</p>`), ["contrast"]);
    assert.deepEqual(await problemsOf(`<div style="background:oklch(0.3 0 0)"><p style="color:oklch(0.35 0 0)">dark on dark</p></div>`), ["contrast"]);
    assert.deepEqual(await problemsOf(`<button disabled style="color:#ccc">Off</button>`), []);
  });

  it("flags a control that Tab never reaches", async () => {
    assert.deepEqual(await problemsOf(`<button>One</button><a href="#x">Two</a><select aria-label="Three"></select>`), []);
    assert.deepEqual(await problemsOf(`<a href="#x" tabindex="-1">Taken out of the tab order</a><button>Reached</button>`), ["keyboard"]);
    assert.deepEqual(await problemsOf(`<div role="button" aria-label="Fake button">x</div><button>Real</button>`), ["keyboard"]);
  });
});
