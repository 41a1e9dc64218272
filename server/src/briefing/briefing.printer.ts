import type { Browser, BrowserContext } from 'playwright-core';
import { AppError } from '../errors.js';

/** TOOLCHAIN.md: Debian's chromium, no background traffic, no first-run chores. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-gpu'];
/** Pages printed at once: each Chromium page costs tens of MB and a core while it lays out. */
const MAX_PARALLEL = 2;
/** Requests waiting beyond this are refused (503) rather than queued for minutes. */
const MAX_WAITING = 16;
const PRINT_TIMEOUT_MS = 30_000;

export const briefingUnavailable = (why: string) =>
  new AppError(503, 'briefing_unavailable', `The briefing cannot be printed now (${why}); try again later`, undefined, { retryAfter: 30 });

/**
 * Prints HTML to A4 PDF in one shared headless Chromium, launched on the first briefing (most servers never
 * print one) and relaunched if it dies. The HTML is self-contained (inline CSS and SVG): the page runs no
 * script and may load nothing, so a region name can never make Chromium fetch or execute anything.
 */
export class PdfPrinter {
  /** One context for every briefing: pages share nothing that matters (no script, no cookies, no network). */
  private browser?: Promise<{ browser: Browser; context: BrowserContext }>;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly executablePath: string) {}

  private launch(): Promise<{ browser: Browser; context: BrowserContext }> {
    if (this.closed) return Promise.reject(briefingUnavailable('the server is shutting down'));
    this.browser ??= (async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: this.executablePath, args: CHROMIUM_ARGS, timeout: PRINT_TIMEOUT_MS });
      browser.on('disconnected', () => {
        this.browser = undefined;
      });
      return { browser, context: await browser.newContext({ javaScriptEnabled: false, offline: true }) };
    })();
    // A failed launch is not kept: the next request tries again (Chromium may have been installed meanwhile).
    this.browser.catch(() => (this.browser = undefined));
    return this.browser;
  }

  private async slot(): Promise<() => void> {
    if (this.running >= MAX_PARALLEL) {
      if (this.waiting.length >= MAX_WAITING) throw briefingUnavailable('too many briefings are being printed');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    return () => {
      this.running--;
      this.waiting.shift()?.();
    };
  }

  async pdf(html: string): Promise<Buffer> {
    const release = await this.slot();
    try {
      let context: BrowserContext;
      try {
        ({ context } = await this.launch());
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw briefingUnavailable(`Chromium did not start: ${String((err as Error).message).split('\n')[0]}`);
      }
      const page = await context.newPage();
      try {
        await page.route('**/*', (route) => route.abort());
        await page.setContent(html, { waitUntil: 'load', timeout: PRINT_TIMEOUT_MS });
        return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
      } finally {
        await page.close().catch(() => undefined);
      }
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const launched = await this.browser?.catch(() => undefined);
    await launched?.browser.close().catch(() => undefined);
  }
}
