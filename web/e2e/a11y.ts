// A reusable accessibility check for the browser tests, run on every page:
// the document has a language, every interactive element and image has an
// accessible name, text has AA contrast against its background, and every
// interactive element is reachable with Tab.
import type { Page } from "playwright-core";

/** One accessibility problem, with a short description of the element. */
export interface A11yProblem {
  rule: "lang" | "name" | "image" | "keyboard" | "contrast";
  element: string;
}

const INTERACTIVE =
  'a[href], button, input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"]), [role="button"], [role="link"], [role="checkbox"], [role="tab"]';

/** Names, images and the document language, checked in the page. */
async function staticProblems(page: Page): Promise<A11yProblem[]> {
  return page.evaluate((selector) => {
    const problems: { rule: "lang" | "name" | "image" | "contrast"; element: string }[] = [];
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.getAttribute("data-testid") ? `[data-testid=${el.getAttribute("data-testid")}]` : ""} "${(el.textContent ?? "").trim().slice(0, 40)}"`;
    const visible = (el: Element) => {
      const style = getComputedStyle(el);
      return el.getClientRects().length > 0 && style.visibility !== "hidden" && !el.closest("[aria-hidden=true], [inert]");
    };
    const textOf = (ids: string) =>
      ids
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? "")
        .join(" ")
        .trim();
    const nameOf = (el: Element): string => {
      const labelledBy = el.getAttribute("aria-labelledby");
      if (labelledBy && textOf(labelledBy)) return textOf(labelledBy);
      const aria = el.getAttribute("aria-label")?.trim();
      if (aria) return aria;
      if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) {
        const labels = Array.from(el.labels ?? []).map((l) => l.textContent?.trim() ?? "").join(" ").trim();
        if (labels) return labels;
        if (el instanceof HTMLInputElement && ["submit", "button", "reset"].includes(el.type)) return el.value;
      }
      const images = Array.from(el.querySelectorAll("img[alt]")).map((i) => i.getAttribute("alt") ?? "").join(" ");
      return ((el as HTMLElement).innerText ?? el.textContent ?? "").trim() || images.trim() || el.getAttribute("title")?.trim() || "";
    };
    if (!document.documentElement.lang) problems.push({ rule: "lang", element: "html" });
    for (const el of Array.from(document.querySelectorAll(selector))) {
      if (!visible(el)) continue;
      if (!nameOf(el)) problems.push({ rule: "name", element: describe(el) });
    }
    for (const img of Array.from(document.querySelectorAll("img, [role=img]"))) {
      if (!visible(img)) continue;
      const named = img.getAttribute("alt") !== null || img.getAttribute("aria-label") || img.getAttribute("aria-labelledby");
      if (!named) problems.push({ rule: "image", element: describe(img) });
    }
    // Text contrast (WCAG AA): 4.5:1, or 3:1 for large text; disabled controls are exempt.
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const rgba = (css: string): [number, number, number, number] => {
      if (!ctx) return [0, 0, 0, 1];
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = "#000";
      ctx.fillStyle = css; // any CSS colour (oklch too) → sRGB
      ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      return [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0, (d[3] ?? 255) / 255];
    };
    const over = (top: number[], bottom: number[]) => [0, 1, 2].map((i) => (top[i] ?? 0) * (top[3] ?? 1) + (bottom[i] ?? 0) * (1 - (top[3] ?? 1)));
    const background = (el: Element): number[] => {
      const layers: number[][] = [];
      for (let node: Element | null = el; node; node = node.parentElement) {
        const c = rgba(getComputedStyle(node).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      return layers.reverse().reduce<number[]>((acc, layer) => over(layer, acc), [255, 255, 255]);
    };
    const luminance = (c: number[]) => {
      const [r, g, b] = c.map((v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
    };
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const hasText = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? "").trim());
      if (!hasText || !visible(el) || el.closest("svg, [disabled], [aria-disabled=true], .sr-only")) continue;
      const style = getComputedStyle(el);
      const bg = background(el);
      const fg = over(rgba(style.color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) problems.push({ rule: "contrast", element: `${describe(el)} ${ratio.toFixed(2)}:1` });
    }
    return problems;
  }, INTERACTIVE);
}

/**
 * Presses Tab through the page and reports every visible, enabled
 * interactive element that never received focus.
 */
async function keyboardProblems(page: Page): Promise<A11yProblem[]> {
  const total = await page.evaluate((selector) => {
    let n = 0;
    for (const el of Array.from(document.querySelectorAll(selector))) {
      el.removeAttribute("data-a11y-focused");
      const reachable =
        el.getClientRects().length > 0 &&
        getComputedStyle(el).visibility !== "hidden" &&
        !(el as HTMLButtonElement).disabled &&
        !el.closest("[aria-hidden=true], [inert]");
      if (reachable) {
        el.setAttribute("data-a11y-expected", "");
        n++;
      } else {
        el.removeAttribute("data-a11y-expected");
      }
    }
    // Start Tab from the top of the document, not from the last focused control.
    (document.activeElement as HTMLElement | null)?.blur();
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute("tabindex");
    return n;
  }, INTERACTIVE);
  // A little slack covers the skip link and elements the page adds meanwhile.
  for (let i = 0; i < total + 10; i++) {
    await page.keyboard.press("Tab");
    await page.evaluate(() => document.activeElement?.setAttribute("data-a11y-focused", ""));
  }
  return page.evaluate(() =>
    Array.from(document.querySelectorAll("[data-a11y-expected]:not([data-a11y-focused])")).map((el) => ({
      rule: "keyboard" as const,
      element: `${el.tagName.toLowerCase()} "${(el.textContent ?? el.getAttribute("aria-label") ?? "").trim().slice(0, 40)}"`,
    })),
  );
}

/** Every accessibility problem of the page as it is now (empty when it passes). */
export async function accessibilityProblems(page: Page): Promise<A11yProblem[]> {
  const problems = await staticProblems(page);
  problems.push(...(await keyboardProblems(page)));
  return problems;
}
