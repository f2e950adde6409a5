import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt, launchChromium, SCREENSHOTS, startHost, type Host } from './host';

/**
 * The screens in Debian's Chromium against `strata serve` on a real temp data folder: what a
 * person does to protect, lose and get back their data. Tests share one page and run in order.
 */

let host: Host;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const downloadsDir = path.join(SCREENSHOTS, '..', 'downloads');

const SESSION_TITLE = 'Trip to Lisbon';

function nav(name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

async function openScreen(name: 'Sessions' | 'Backups' | 'Restore' | 'Settings') {
  await nav(name).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(name);
}

function button(name: string) {
  return page.getByRole('button', { name, exact: true });
}

/** Screenshot in light and dark, and axe with zero serious or critical violations in both. */
async function checkScreen(name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${scheme}.png`), fullPage: true });
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) => `${scheme}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      );
    expect(bad, `accessibility problems on ${name}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function sessionItem(title: string) {
  return page.getByRole('list', { name: 'Sessions' }).getByRole('button', { name: new RegExp(`^${title}`) });
}

beforeAll(async () => {
  ensureRendererBuilt();
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  fs.mkdirSync(downloadsDir, { recursive: true });
  host = await startHost();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // Refused requests are expected in the error tests; their messages are checked on screen.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  await page.goto(host.url);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('Strata in a browser against strata serve', () => {
  it('opens with the token taken out of the address bar and no errors', async () => {
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sessions');
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => sessionStorage.length)).toBeGreaterThan(0);
    // A reload still works: the token is in sessionStorage.
    await page.reload();
    await expect
      .poll(() =>
        page
          .getByText(/No sessions yet|sessions?$/)
          .first()
          .isVisible(),
      )
      .toBe(true);
    await checkScreen('sessions-empty');
  });

  it('creates a session and adds messages', async () => {
    await page.getByLabel('New session title').fill(SESSION_TITLE);
    await page.getByLabel('New session title').press('Enter');
    await expect.poll(() => page.getByRole('heading', { level: 2, name: SESSION_TITLE }).isVisible()).toBe(true);

    await page.getByLabel('Message', { exact: true }).fill('Where should we stay in Alfama?');
    await button('Add message').click();
    await expect.poll(() => page.getByText('Where should we stay in Alfama?').isVisible()).toBe(true);
    // The role flips to assistant for the reply; Ctrl+Enter adds it from the keyboard.
    await expect.poll(() => page.getByLabel('Role').inputValue()).toBe('assistant');
    await page.getByLabel('Message', { exact: true }).fill('A small guesthouse near the Sé is quiet and central.');
    await page.getByLabel('Message', { exact: true }).press('Control+Enter');
    await expect.poll(() => page.getByText('A small guesthouse near the Sé').isVisible()).toBe(true);

    const item = await sessionItem(SESSION_TITLE);
    await expect.poll(() => item.textContent()).toContain('2 messages');

    // Search narrows the list, and says so.
    await page.getByLabel('Search sessions').fill('zzz-nothing');
    await expect.poll(() => page.getByText('No session title matches.').isVisible()).toBe(true);
    await page.getByLabel('Search sessions').fill('lisbon');
    await expect.poll(async () => (await sessionItem(SESSION_TITLE)).isVisible()).toBe(true);
    await page.getByLabel('Search sessions').fill('');
    await checkScreen('sessions');
  });

  it('backs up now with a label, with health at the top', async () => {
    await openScreen('Backups');
    await page.getByLabel('Label (optional)').fill('Before cleanup');
    await button('Back up now').click();
    const row = page.getByRole('row').filter({ hasText: 'Before cleanup' });
    await expect.poll(() => row.isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByText(/Backup “Before cleanup” made: .*check passed/).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('heading', { level: 3, name: /Manual backups/ }).isVisible()).toBe(true);
    // Health: the last backup is the one just made.
    const lastBackup = page.locator('.stat').filter({ hasText: 'Last backup' });
    await expect.poll(() => lastBackup.textContent()).toMatch(/just now|minute/);
    await expect
      .poll(() => page.locator('.stat').filter({ hasText: 'Storage used' }).textContent())
      .toMatch(/in \d+ backups?/);
    await checkScreen('backups');
  });

  it('verifies the backup', async () => {
    const row = page.getByRole('row').filter({ hasText: 'Before cleanup' });
    await row.getByRole('button', { name: 'Verify', exact: true }).click();
    await expect.poll(() => row.getByText('Verified', { exact: true }).isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.locator('.stat').filter({ hasText: 'Last verify' }).textContent()).toContain('Good');
  });

  it('deletes the session with a confirmation, restores the backup and sees it back', async () => {
    await openScreen('Sessions');
    await (await sessionItem(SESSION_TITLE)).click();
    await button('Delete session').click();
    const dialog = page.getByRole('dialog', { name: 'Delete this session?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    // Escape cancels and keeps the session.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await button('Delete session').click();
    await checkScreen('sessions-delete-dialog');
    // Focus starts on the confirm button: Enter deletes.
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText('No sessions yet. Create one above.').isVisible()).toBe(true);

    // People look for restore in Settings: the shortcut there opens the Restore screen.
    await openScreen('Settings');
    await page.getByRole('link', { name: 'Open Restore' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Restore' }).isVisible()).toBe(true);
    const select = page.getByLabel('Backup to restore');
    const option = select.locator('option').filter({ hasText: 'Before cleanup' });
    await select.selectOption((await option.getAttribute('value'))!);
    const sessionsRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Sessions' }) });
    await expect.poll(() => sessionsRow.textContent()).toMatch(/^Sessions10\+1$/);
    const messagesRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Messages' }) });
    await expect.poll(() => messagesRow.textContent()).toMatch(/^Messages20\+2$/);
    await checkScreen('restore-compare');

    await button('Restore').click();
    await page
      .getByRole('dialog', { name: 'Restore this backup?' })
      .getByRole('button', { name: 'Yes, restore' })
      .click();
    await expect.poll(() => page.getByText('Restore finished').isVisible(), { timeout: 60_000 }).toBe(true);
    // The comparison reloads: now and the backup agree.
    await expect.poll(() => sessionsRow.textContent()).toMatch(/^Sessions11same$/);
    await checkScreen('restore-done');

    await openScreen('Sessions');
    const item = await sessionItem(SESSION_TITLE);
    await expect.poll(() => item.isVisible()).toBe(true);
    await expect.poll(() => item.textContent()).toContain('2 messages');
  });

  it('undoes the restore', async () => {
    await openScreen('Restore');
    await button('Undo restore').click();
    await expect.poll(() => page.getByText('The restore was undone').isVisible(), { timeout: 60_000 }).toBe(true);
    await openScreen('Sessions');
    await expect.poll(() => page.getByText('No sessions yet. Create one above.').isVisible()).toBe(true);
    // The pre-restore safety copy shows up among the backups.
    await openScreen('Backups');
    await expect.poll(() => page.getByRole('heading', { level: 3, name: /Before a restore/ }).isVisible()).toBe(true);
  });

  it('looks inside a backup, searches it and brings back one deleted session with a preview, then undoes that', async () => {
    await openScreen('Restore');
    const select = page.getByLabel('Backup to restore');
    const option = select.locator('option').filter({ hasText: 'Before cleanup' });
    await select.selectOption((await option.getAttribute('value'))!);
    const deletedGroup = page.getByRole('region', { name: /^Deleted since/ });
    const lisbon = deletedGroup.getByRole('checkbox', { name: new RegExp(`^${SESSION_TITLE}`) });
    await expect.poll(() => lisbon.isVisible(), { timeout: 30_000 }).toBe(true);
    await expect
      .poll(() => page.getByTestId('restore-preview').textContent())
      .toMatch(/remove 0 sessions created since, bring back 1 deleted session/);
    // Search reads message text inside the backup.
    await page.getByLabel('Search in this backup').fill('guesthouse');
    await expect.poll(() => page.getByText('1 session in this backup match.').isVisible()).toBe(true);
    await page.getByLabel('Search in this backup').fill('no-such-words');
    await expect.poll(() => lisbon.count()).toBe(0);
    await page.getByLabel('Search in this backup').fill('');
    await expect.poll(() => lisbon.isVisible()).toBe(true);
    await checkScreen('restore-inside');

    expect(await button('Restore selected sessions').isDisabled()).toBe(true);
    await lisbon.check();
    await button('Restore selected sessions').click();
    const dialog = page.getByRole('dialog', { name: 'Restore these sessions?' });
    await expect.poll(() => dialog.getByText(/comes back as it was/).isVisible()).toBe(true);
    await checkScreen('restore-session-preview');
    await dialog.getByRole('button', { name: 'Yes, restore' }).click();
    await expect.poll(() => page.getByText('1 session restored').isVisible(), { timeout: 30_000 }).toBe(true);
    await checkScreen('restore-session-done');
    await openScreen('Sessions');
    await expect.poll(async () => (await sessionItem(SESSION_TITLE)).textContent()).toContain('2 messages');

    await openScreen('Restore');
    await button('Undo session restore').click();
    await expect
      .poll(() => page.getByText('The session restore was undone').isVisible(), { timeout: 30_000 })
      .toBe(true);
    await openScreen('Sessions');
    await expect.poll(() => page.getByText('No sessions yet. Create one above.').isVisible()).toBe(true);
  });

  it('lists recently deleted sessions on the Sessions screen and brings one back in one action', async () => {
    await button('Recently deleted').click();
    const panel = page.getByRole('region', { name: 'Recently deleted' });
    const restoreLisbon = panel.getByRole('button', { name: `Restore “${SESSION_TITLE}”` });
    await expect.poll(() => restoreLisbon.isVisible(), { timeout: 30_000 }).toBe(true);
    await expect
      .poll(() =>
        panel
          .getByText(/deleted between .* and now/)
          .first()
          .isVisible(),
      )
      .toBe(true);
    await checkScreen('sessions-recently-deleted');
    await restoreLisbon.click();
    await expect.poll(() => panel.getByText(`“${SESSION_TITLE}” is back`).isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(async () => (await sessionItem(SESSION_TITLE)).textContent()).toContain('2 messages');
    await checkScreen('sessions-recently-deleted-restored');
    await button('Recently deleted').click();
    await expect.poll(() => panel.count()).toBe(0);
  });

  it('offers a copy or a replacement for a session that changed since, and does each', async () => {
    await (await sessionItem(SESSION_TITLE)).click();
    await page.getByLabel('Message', { exact: true }).fill('Written after the backup.');
    await button('Add message').click();
    await expect.poll(async () => (await sessionItem(SESSION_TITLE)).textContent()).toContain('3 messages');

    await openScreen('Restore');
    const changedGroup = page.getByRole('region', { name: /^Changed since/ });
    const lisbon = changedGroup.getByRole('checkbox', { name: new RegExp(`^${SESSION_TITLE}`) });
    await expect.poll(() => lisbon.isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => changedGroup.textContent()).toContain('1 message added since');
    await lisbon.check();
    await button('Restore selected sessions').click();
    const dialog = page.getByRole('dialog', { name: 'Restore these sessions?' });
    await expect.poll(() => dialog.getByText(/still exists and differs/).isVisible()).toBe(true);
    await checkScreen('restore-session-choice');
    await dialog.getByRole('button', { name: 'Restore as copy' }).click();
    await expect.poll(() => page.getByText(/is back as a copy/).isVisible(), { timeout: 30_000 }).toBe(true);
    await openScreen('Sessions');
    await expect.poll(async () => (await sessionItem(`${SESSION_TITLE} \\(restored`)).isVisible()).toBe(true);
    await expect.poll(async () => (await sessionItem(SESSION_TITLE)).first().textContent()).toBeTruthy();

    await openScreen('Restore');
    await button('Undo session restore').click();
    await expect
      .poll(() => page.getByText('The session restore was undone').isVisible(), { timeout: 30_000 })
      .toBe(true);
    await expect.poll(() => lisbon.isVisible(), { timeout: 30_000 }).toBe(true);
    await lisbon.check();
    await button('Restore selected sessions').click();
    await dialog.getByRole('button', { name: 'Replace current version' }).click();
    await expect.poll(() => page.getByText(/replaced the current version/).isVisible(), { timeout: 30_000 }).toBe(true);
    await openScreen('Sessions');
    await expect.poll(async () => (await sessionItem(SESSION_TITLE)).textContent()).toContain('2 messages');
    expect(await page.getByRole('list', { name: 'Sessions' }).getByRole('button').count()).toBe(1);

    // Back to no sessions, as the next steps expect.
    await (await sessionItem(SESSION_TITLE)).click();
    await button('Delete session').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByText('No sessions yet. Create one above.').isVisible()).toBe(true);
  });

  it('exports a session as an archive and as Markdown, then imports the archive', async () => {
    await openScreen('Sessions');
    await page.getByLabel('New session title').fill('Recipes');
    await button('Create session').click();
    await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Recipes' }).isVisible()).toBe(true);
    await page.getByLabel('Message', { exact: true }).fill('How long do I rest bread dough?');
    await button('Add message').click();
    await expect.poll(() => page.getByText('How long do I rest bread dough?').isVisible()).toBe(true);
    await page.getByLabel('Message', { exact: true }).fill('About an hour, until it has doubled.');
    await button('Add message').click();
    await expect.poll(async () => (await sessionItem('Recipes')).textContent()).toContain('2 messages');

    await page.getByLabel('Export as').selectOption('md');
    const [md] = await Promise.all([page.waitForEvent('download'), button('Export session').click()]);
    const mdPath = path.join(downloadsDir, md.suggestedFilename());
    await md.saveAs(mdPath);
    expect(md.suggestedFilename()).toMatch(/\.md$/);
    const markdown = fs.readFileSync(mdPath, 'utf8');
    expect(markdown).toContain('Recipes');
    expect(markdown).toContain('About an hour, until it has doubled.');

    await page.getByLabel('Export as').selectOption('json');
    const [archive] = await Promise.all([page.waitForEvent('download'), button('Export session').click()]);
    const archivePath = path.join(downloadsDir, archive.suggestedFilename());
    await archive.saveAs(archivePath);
    expect(fs.statSync(archivePath).size).toBeGreaterThan(0);
    await expect.poll(() => page.getByText(/^Exported .* \(.+\)\.$/).isVisible()).toBe(true);

    // Delete the original so the import visibly brings it back.
    await button('Delete session').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByText('No sessions yet. Create one above.').isVisible()).toBe(true);

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button('Import archive').click()]);
    await chooser.setFiles(archivePath);
    await expect
      .poll(
        () =>
          page
            .getByText(/^Imported “Recipes/)
            .first()
            .isVisible(),
        { timeout: 30_000 },
      )
      .toBe(true);
    const imported = await sessionItem('Recipes');
    await expect.poll(() => imported.textContent()).toContain('2 messages');
    await expect.poll(() => page.getByText('About an hour, until it has doubled.').isVisible()).toBe(true);
    await checkScreen('sessions-imported');

    // Dropping the same archive again is caught as a duplicate and changes nothing until confirmed.
    const bytes = fs.readFileSync(archivePath).toString('base64');
    const name = path.basename(archivePath);
    const dataTransfer = await page.evaluateHandle(
      ({ b64, fileName }) => {
        const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bin], fileName));
        return dt;
      },
      { b64: bytes, fileName: name },
    );
    await page.dispatchEvent('.sessions-screen', 'dragover', { dataTransfer });
    await page.dispatchEvent('.sessions-screen', 'drop', { dataTransfer });
    await expect.poll(() => page.getByText('This session is already here').isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.locator('.session-list li').count()).toBe(1);
    await button('Import a copy anyway').click();
    await expect.poll(() => page.locator('.session-list li').count(), { timeout: 30_000 }).toBe(2);
  });

  it('exports settings, then imports them with a preview of the changes', async () => {
    await openScreen('Settings');
    const keepDaily = page.getByLabel('Daily', { exact: true });
    await expect.poll(() => keepDaily.isVisible()).toBe(true);
    const saved = page.getByText('Backup schedule and retention saved.');

    // The schedule lives among the settings: save a value, export, then change it again.
    const exported = String(Number(await keepDaily.inputValue()) + 1);
    await keepDaily.fill(exported);
    await button('Save schedule').click();
    await expect.poll(() => saved.isVisible()).toBe(true);

    const [dl] = await Promise.all([page.waitForEvent('download'), button('Export settings').click()]);
    const settingsPath = path.join(downloadsDir, dl.suggestedFilename());
    await dl.saveAs(settingsPath);
    expect(JSON.parse(fs.readFileSync(settingsPath, 'utf8'))).toBeTypeOf('object');
    await expect.poll(() => page.getByText(/^Exported strata-settings-.*\.json/).isVisible()).toBe(true);

    const changed = String(Number(exported) + 5);
    await keepDaily.fill(changed);
    await button('Save schedule').click();
    await expect.poll(() => page.getByLabel('Daily', { exact: true }).inputValue()).toBe(changed);
    await checkScreen('settings');

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button('Import settings').click()]);
    await chooser.setFiles(settingsPath);
    const preview = page.getByRole('region', { name: /^Preview: importing/ });
    await expect.poll(() => preview.isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => preview.getByText(/\d+ to add, [1-9]\d* to change, \d+ to remove/).isVisible()).toBe(true);
    await expect
      .poll(() => preview.getByRole('table', { name: 'Changes the import would make' }).isVisible())
      .toBe(true);
    // Nothing changed yet: the form still shows the edited value.
    expect(await keepDaily.inputValue()).toBe(changed);
    await preview.getByLabel(/^Replace/).check();
    await expect.poll(() => preview.getByText(/to change/).isVisible()).toBe(true);
    await preview.getByLabel(/^Merge/).check();
    await checkScreen('settings-import-preview');

    await button('Apply import').click();
    await expect
      .poll(() => page.getByText('Settings imported', { exact: true }).isVisible(), { timeout: 30_000 })
      .toBe(true);
    await expect.poll(() => keepDaily.inputValue()).toBe(exported);
  });

  it('has a theme switch and shows readable errors without stack traces', async () => {
    await page.getByLabel('Theme').selectOption('dark');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByLabel('Theme').selectOption('system');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBeUndefined();

    // A bad value is refused in words, and nothing is saved.
    await page.getByLabel('Minutes between frequent backups').fill('0');
    await button('Save schedule').click();
    const alert = page.getByRole('alert').filter({ hasText: 'Check the form' });
    await expect.poll(() => alert.textContent()).toContain('Minutes between frequent backups must be a whole number');
    await button('Discard changes').click();

    // A file that is not an archive: a readable message, never a stack.
    await openScreen('Sessions');
    const junk = path.join(downloadsDir, 'not-an-archive.strata.json');
    fs.writeFileSync(junk, 'this is not an archive');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button('Import archive').click()]);
    await chooser.setFiles(junk);
    const err = page.getByRole('alert').filter({ hasText: 'The archive could not be imported' });
    await expect.poll(() => err.isVisible(), { timeout: 30_000 }).toBe(true);
    const text = (await err.textContent()) ?? '';
    expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|\.cjs:\d+|Error:/);
    await checkScreen('sessions-error');
  });

  it('explains what to do when opened without the access token', async () => {
    const other = await browser.newContext();
    try {
      const bare = await other.newPage();
      await bare.goto(new URL('/', host.url).toString());
      const alert = bare.getByRole('alert').filter({ hasText: 'Sessions could not be loaded' });
      await expect.poll(() => alert.isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await alert.textContent()).toContain('strata serve');
    } finally {
      await other.close();
    }
  });

  it('is keyboard usable: the main actions are reachable with Tab and focus is visible', async () => {
    await openScreen('Backups');
    await page.getByLabel('Label (optional)').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { text: el.textContent, outline: getComputedStyle(el).outlineStyle };
    });
    expect(focused.text).toBe('Back up now');
    expect(focused.outline).not.toBe('none');
    expect(pageErrors).toEqual([]);
  });
});
