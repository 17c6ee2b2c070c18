/**
 * Debian's Chromium driven by playwright-core (the registry's browser download is not reachable
 * here: `.ci/run` installs chromium with apt-get when /usr/bin/chromium is missing). The flags
 * keep it off the network it cannot reach; each launch gets a fresh, empty profile (Playwright
 * makes one in a temp dir and removes it on close).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const launch = async (): Promise<{ browser: Browser; close: () => Promise<void> }> => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // WebGL in software (no GPU here): the 3D viewer renders through SwiftShader.
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
};

/**
 * A page whose uncaught errors and Content-Security-Policy refusals are collected in `errors`:
 * a screen that works only because something the CSP blocks was not needed still shows up here.
 */
export const newPage = async (
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  return { context, page, errors };
};

export const signIn = async (page: Page, consoleUrl: string, username: string) => {
  await page.goto(consoleUrl);
  await page.getByTestId(`sign-in-${username}`).click();
  await page.getByText(`${username} ·`).waitFor();
};

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core on the page as it is (WCAG 2 A and AA rules and best practices); returns the serious
 * and critical violations. Evaluated over CDP, which the page's CSP does not govern.
 */
export const seriousViolations = async (page: Page): Promise<AxeViolation[]> => {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    return (await axe.run(document)).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
};

/** Screenshots go to docs/screens with CASELINE_SCREENS=docs/screens (`npm run screens`), else a temp dir. */
export const SCREENS_DIR = resolve(process.env.CASELINE_SCREENS ?? join(tmpdir(), 'caseline-screens'));
mkdirSync(SCREENS_DIR, { recursive: true });
export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENS_DIR, `${name}.png`), fullPage: true });

/** Pixels of the viewer's canvas that differ from its background: the mesh was drawn. */
export const drawnPixels = (page: Page) =>
  page.evaluate(() => {
    const gl = document.querySelector<HTMLCanvasElement>('[data-testid="viewer-canvas"]');
    if (!gl) return -1;
    const copy = document.createElement('canvas');
    copy.width = gl.width;
    copy.height = gl.height;
    const ctx = copy.getContext('2d');
    if (!ctx) return -1;
    ctx.drawImage(gl, 0, 0);
    const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
    let drawn = 0;
    // Background 0x1f2933; anything else is the mesh (or its shading).
    for (let i = 0; i < data.length; i += 4)
      if (
        Math.abs((data[i] ?? 0) - 0x1f) +
          Math.abs((data[i + 1] ?? 0) - 0x29) +
          Math.abs((data[i + 2] ?? 0) - 0x33) >
        24
      )
        drawn++;
    return drawn;
  });
