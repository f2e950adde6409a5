import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createHttpTransport, type StrataClient } from '../../src-main/contract';
import { toLocalInput } from '../../src-renderer/moment-format';
import { ensureRendererBuilt, launchChromium, SCREENSHOTS, startHost, type Host } from './host';

/**
 * Restore to any second, in Debian's Chromium against `strata serve`: the host ships every
 * commit continuously, the Restore screen lists the ranges, previews the counts at a chosen
 * second, and restores to it. Commits go through the contract the screens use; the test reads
 * what the host recorded (listPoints) to choose seconds that fall between two commits.
 */

let host: Host;
let browser: Browser;
let page: Page;
let api: StrataClient;
const pageErrors: string[] = [];

const EARLY = 'Morning notes';
const LATE = 'Afternoon plans';
/** The seconds (ms at the start of the second) of the early and late commits, as recorded. */
let earlySecond = 0;
let lateSecond = 0;

function button(name: string, within: Page | Locator = page) {
  return within.getByRole('button', { name, exact: true });
}

async function openScreen(name: 'Sessions' | 'Backups' | 'Restore') {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(name);
}

/** A full-page and a section screenshot in light and dark, with no serious axe violation in either. */
async function checkSection(name: string, section: Locator) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${scheme}.png`), fullPage: true });
    await section.screenshot({ path: path.join(SCREENSHOTS, `${name}-section-${scheme}.png`) });
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${scheme}: ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad, `accessibility problems on ${name}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The newest moment the host has recorded a commit at, and how many commits it holds. */
async function recorded(): Promise<{ to: number; commits: number }> {
  const { continuous } = await api.call('listPoints', {});
  return { to: continuous.at(-1)?.to ?? 0, commits: continuous.reduce((n, r) => n + r.commits, 0) };
}

/**
 * Commits one session with messages and waits until the host has shipped them; returns the second
 * the last was recorded in. Shipping records a commit when it reads it, so that time is read back.
 */
async function commitSession(title: string, messages: number): Promise<number> {
  const before = await recorded();
  const s = await api.call('createSession', { title });
  for (let i = 0; i < messages; i++) {
    await api.call('addMessage', { sessionId: s.id, role: i % 2 ? 'assistant' : 'user', content: `${title} ${i}` });
  }
  const committed = Date.now();
  await expect
    .poll(
      async () =>
        ((await api.call('getHealth', {})).continuous?.protectedUpTo ?? 0) >= committed &&
        (await recorded()).commits >= before.commits + 1 + messages,
      { timeout: 30_000 },
    )
    .toBe(true);
  return Math.floor((await recorded()).to / 1000) * 1000;
}

/** Waits until the clock is past the given second, so the next commit is recorded in a later one. */
async function pastSecond(second: number) {
  await expect.poll(() => Date.now() > second + 999, { interval: 50 }).toBe(true);
}

function momentTable() {
  return page.getByRole('table', { name: 'Rows per table at that time and now' });
}

function countAtThatTime(table: string) {
  return momentTable()
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: table, exact: true }) })
    .getByRole('cell')
    .first()
    .textContent();
}

beforeAll(async () => {
  ensureRendererBuilt();
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  host = await startHost();
  const url = new URL(host.url);
  api = createClient(createHttpTransport({ token: url.searchParams.get('token')!, baseUrl: url.origin }));

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  await page.goto(host.url);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('restore to a point in time in a browser against strata serve', () => {
  it('ships commits made through the contract, one second apart', async () => {
    await expect
      .poll(async () => (await api.call('getHealth', {})).continuous?.state, { timeout: 30_000 })
      .toBe('running');
    earlySecond = await commitSession(EARLY, 1);
    await pastSecond(earlySecond);
    lateSecond = await commitSession(LATE, 3);
    expect(lateSecond).toBeGreaterThan(earlySecond);
  });

  it('shows on Backups how far back everything is protected, and that there was no gap yet', async () => {
    await openScreen('Backups');
    const status = page.getByRole('region', { name: 'Continuous protection' });
    await expect
      .poll(() => status.getByTestId('continuous-state').textContent(), { timeout: 15_000 })
      .toMatch(/^Protected up to (less than a second|\d+ seconds?) ago\.$/);
    expect(await status.getByTestId('continuous-gap').textContent()).toContain('No gaps');
    await checkSection('backups-continuous', page.getByRole('region', { name: /protected|attention/ }).first());
  });

  it('lists the recorded range with its activity and previews the counts at a chosen second', async () => {
    await openScreen('Restore');
    const picker = page.getByLabel('Point in time');
    await expect.poll(() => picker.isVisible(), { timeout: 15_000 }).toBe(true);
    const ranges = page.getByRole('list', { name: 'Recorded ranges' });
    await expect.poll(() => ranges.getByRole('listitem').count()).toBe(1);
    expect(await ranges.textContent()).toMatch(/Protection started.*\d+ changes/);
    await expect
      .poll(() => page.getByTestId('activity-strip').getAttribute('aria-label'))
      .toMatch(/^Changes from .* to .*: \d+ changes, busiest around/);

    await picker.fill(toLocalInput(earlySecond));
    await expect.poll(() => countAtThatTime('Sessions'), { timeout: 30_000 }).toBe('1');
    expect(await countAtThatTime('Messages')).toBe('1');

    // A later second: the counts follow it.
    await picker.fill(toLocalInput(lateSecond));
    await expect.poll(() => countAtThatTime('Messages'), { timeout: 30_000 }).toBe('4');
    expect(await countAtThatTime('Sessions')).toBe('2');
    await checkSection('restore-point-in-time', page.getByRole('region', { name: 'Or go back to any second' }));
  });

  it('refuses a time before anything was recorded, in words', async () => {
    const picker = page.getByLabel('Point in time');
    const { continuous } = await api.call('listPoints', {});
    await picker.fill(toLocalInput(continuous[0]!.from - 3_600_000));
    const alert = page.getByRole('alert').filter({ hasText: 'No preview for that time' });
    await expect.poll(() => alert.isVisible()).toBe(true);
    expect(await alert.textContent()).toContain('Pick a time inside one of the listed ranges');
    expect(await button('Restore to this time').isDisabled()).toBe(true);
    await expect.poll(() => momentTable().count()).toBe(0);
  });

  it('restores to the early second through a confirmation, and the data is as it was then', async () => {
    const picker = page.getByLabel('Point in time');
    await picker.fill(toLocalInput(earlySecond));
    await expect.poll(() => countAtThatTime('Sessions'), { timeout: 30_000 }).toBe('1');
    await button('Restore to this time').click();
    const dialog = page.getByRole('dialog', { name: 'Restore to this time?' });
    await expect.poll(() => dialog.getByText('That is 1 session and 1 message').isVisible()).toBe(true);
    await checkSection('restore-point-in-time-confirm', dialog);
    await button('Yes, restore', dialog).click();
    await expect.poll(() => page.getByText('Restore finished').isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await page.getByText(/Your data now matches how it was at/).isVisible()).toBe(true);

    const sessions = await api.call('listSessions', {});
    expect(sessions.sessions.map((s) => [s.title, s.messageCount])).toEqual([[EARLY, 1]]);

    // The restore starts a new range, and the gap before it is said in words.
    const ranges = page.getByRole('list', { name: 'Recorded ranges' });
    await expect.poll(() => ranges.textContent(), { timeout: 30_000 }).toContain('Started again after a restore');
    expect(await ranges.getByText('Gap', { exact: true }).count()).toBe(1);
    await checkSection('restore-point-in-time-done', page.getByRole('region', { name: 'Or go back to any second' }));

    await openScreen('Sessions');
    const list = page.getByRole('list', { name: 'Sessions' });
    await expect.poll(() => list.getByRole('button').count()).toBe(1);
    expect(await list.textContent()).toContain(EARLY);
  });

  it('undoes the restore to a time, and Backups shows the gap it made', async () => {
    await openScreen('Restore');
    await button('Undo restore').click();
    await expect.poll(() => page.getByText('The restore was undone').isVisible(), { timeout: 60_000 }).toBe(true);
    const titles = (await api.call('listSessions', {})).sessions.map((s) => s.title).sort();
    expect(titles).toEqual([LATE, EARLY].sort());

    await openScreen('Backups');
    const gap = page.getByRole('region', { name: 'Continuous protection' }).getByTestId('continuous-gap');
    await expect
      .poll(() => gap.textContent(), { timeout: 15_000 })
      .toMatch(/^Last gap: .*Started again after a restore/);
    await checkSection('backups-continuous-gap', page.getByRole('region', { name: 'Continuous protection' }));
    expect(pageErrors).toEqual([]);
  });
});
