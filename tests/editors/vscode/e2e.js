// One end-to-end scenario of the JumpCoder extension in a real VS Code (code-server), driven by
// playwright-core with Debian's chromium. tests/editors/vscode/run.sh starts code-server with the
// .vsix installed and runs this once per scenario. Environment:
//   CS_URL      code-server's address (http://127.0.0.1:PORT)
//   WS_ROOT     where to make the scenario's fresh workspace folder
//   OUT_DIR     screenshots + NAME.json (the facts checked)
//   SCENARIO    inline | insert-only | function | cancel | error | java | cpp | java-off
//   SHOT        also save the "suggestion + preview" screenshot here (inline)
//   CHROME      the chromium binary (default /usr/lib/chromium/chromium)
// Exit 0 only if every check of the scenario holds. Facts are read from the UI (status bar,
// ghost text, decorations) and from the file on disk after Ctrl+S.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

const env = process.env;
const URL_BASE = env.CS_URL || 'http://127.0.0.1:8080';
const WS_ROOT = env.WS_ROOT || '/tmp/jumpcoder-vscode/ws';
const OUT = env.OUT_DIR || '/tmp/jumpcoder-vscode/out';
const SCENARIO = env.SCENARIO || 'inline';
const CHROME = env.CHROME || '/usr/lib/chromium/chromium';
fs.mkdirSync(WS_ROOT, { recursive: true });
fs.mkdirSync(OUT, { recursive: true });
// A fresh folder per run: VS Code restores unsaved editors of a reused folder from its backups.
const WS = fs.mkdtempSync(path.join(WS_ROOT, `${SCENARIO}-`));

const SCENARIOS = {
  // Type a function header; the scripted model continues it and jumps back to add an import and a
  // helper above. Ghost text + preview of both insertions, Escape hides both, ask again, Tab,
  // the file holds all three edits, one Ctrl+Z removes all three.
  inline: {
    file: 'primes.py',
    initial: 'import os\n\n\n',
    type: 'def count_primes(n):',
    ghost: 'total = 0\n    for i in range(n):\n        if is_prime(i):\n            total += 1\n    return total',
    previewHas: ['import math', 'def is_prime(k):'],
    expect: 'import os\nimport math\n\n\ndef is_prime(k):\n    return k > 1 and all(k % d for d in range(2, math.isqrt(k) + 1))\n\n\n' +
      'def count_primes(n):\n    total = 0\n    for i in range(n):\n        if is_prime(i):\n            total += 1\n    return total',
    afterUndo: 'import os\n\n\ndef count_primes(n):\n    ',
  },
  // A Java buffer (the language comes from the server's list): type "ret" in a method body; the
  // ghost text continues it and the preview shows the import it inserts above; Tab; one Ctrl+Z.
  java: {
    file: 'Words.java',
    initial: 'import java.util.List;\n\nclass Words {\n    static List<String> words(String s) {\n        \n    }\n}\n',
    up: 3,                                            // from the last line to the body line
    type: 'ret',
    ghost: 'urn Arrays.asList(s.split(" "));',
    previewHas: ['import java.util.Arrays;'],
    expect: 'import java.util.List;\nimport java.util.Arrays;\n\nclass Words {\n    static List<String> words(String s) {\n' +
      '        return Arrays.asList(s.split(" "));\n    }\n}\n',
    afterUndo: 'import java.util.List;\n\nclass Words {\n    static List<String> words(String s) {\n        ret\n    }\n}\n',
  },
  cpp: {
    file: 'hyp.cpp',
    initial: '#include <vector>\n\ndouble hyp(double x, double y) {\n    \n}\n',
    up: 2,
    type: 'ret',
    ghost: 'urn std::sqrt(x * x + y * y);',
    previewHas: ['#include <cmath>'],
    expect: '#include <vector>\n#include <cmath>\n\ndouble hyp(double x, double y) {\n    return std::sqrt(x * x + y * y);\n}\n',
    afterUndo: '#include <vector>\n\ndouble hyp(double x, double y) {\n    ret\n}\n',
  },
  // An insert-only suggestion: the user completes `return math.sqrt(x)`; nothing is left to add at
  // the cursor, but `import math` goes above. No ghost text; the preview shows the import and the
  // cursor line says what Tab does; typing hides both, Backspace brings them back, so does asking
  // after Escape hid them; Tab inserts the import (nothing else); one Ctrl+Z removes only the import.
  'insert-only': {
    file: 'insert_only.py',
    initial: 'import os\n\n\ndef hyp(x):\n    return math.sqrt(x\n',
    up: 1,
    type: ')',
    previewHas: ['import math'],
    hint: 'Tab: insert `import math` at line 2',
    expect: 'import os\nimport math\n\n\ndef hyp(x):\n    return math.sqrt(x)\n',
    afterUndo: 'import os\n\n\ndef hyp(x):\n    return math.sqrt(x)\n',
  },
  // "jumpcoder.enable": { "java": false }: the server runs, but a Java buffer gets no suggestion,
  // not even when asked from the palette, and Complete Function's keybinding does nothing there.
  'java-off': {
    file: 'Words.java',
    initial: 'import java.util.List;\n\nclass Words {\n    static List<String> words(String s) {\n        \n    }\n}\n',
    up: 3,
    type: 'ret',
    settings: { 'jumpcoder.enable': { '*': true, java: false } },
  },
  // "JumpCoder: Complete Function" by its keybinding (Ctrl+Alt+Enter) in a function body.
  function: {
    file: 'product.py',
    initial: 'def product(xs):\n    ',
    expect: 'from functools import reduce\ndef product(xs):\n    return reduce(lambda a, b: a * b, xs, 1)',
    afterUndo: 'def product(xs):\n    ',
  },
  // Complete Function on a function the scripted model writes slowly (a line every 50 ms): the
  // status bar shows the progress, Cancel in the progress notification stops it, nothing is written.
  // A model that fails to load: the status bar says so, the server's message is shown once.
  error: {
    file: 'err.py',
    initial: 'def hyp(x):\n    ',
    settings: { 'jumpcoder.model': 'scripted:jumpcoder_lsp.server.scripted:failing' },
  },
  cancel: {
    file: 'slow.py',
    initial: 'def slow_sum(n):\n    ',
    settings: { 'jumpcoder.maxLines': 400 },
  },
};
const S = SCENARIOS[SCENARIO];
if (!S) { console.error(`unknown SCENARIO ${SCENARIO}`); process.exit(2); }
const FILE = path.join(WS, S.file);
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(2);
const log = (...a) => console.log(`[${secs()}s] [${SCENARIO}]`, ...a);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const result = { scenario: SCENARIO, ws: WS, checks: {}, timeline: {} };
const mark = k => { result.timeline[k] = +secs(); };
const check = (name, ok, detail) => {
  result.checks[name] = !!ok;
  log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail !== undefined ? `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
};
const readFile = () => fs.readFileSync(FILE, 'utf8');
async function waitFile(want, ms = 5000) {
  let text = readFile();
  for (let i = 0; i < ms / 100 && text !== want; i++) { await sleep(100); text = readFile(); }
  return text;
}

let page;
// A decoration's text is a CSS ::before/::after pseudo-element: read it from computed styles.
const previewTexts = () => page.evaluate(() => {
  const out = [];
  for (const el of document.querySelectorAll('.monaco-editor .view-lines span')) {
    for (const pseudo of ['::before', '::after']) {
      const c = getComputedStyle(el, pseudo).content;
      if (c && c !== 'none' && c !== 'normal' && c.includes('\u23ce')) out.push(JSON.parse(c));
    }
  }
  return out;
});

// The insert-only hint ("Tab: insert ..."): an after-decoration of the cursor line.
const hintTexts = () => page.evaluate(() => {
  const out = [];
  for (const el of document.querySelectorAll('.monaco-editor .view-lines span')) {
    const c = getComputedStyle(el, '::after').content;
    if (c && c !== 'none' && c !== 'normal' && c.includes('Tab:')) out.push(JSON.parse(c).trim());
  }
  return out;
});

// Ghost text: the first line is a decoration after the cursor, the other lines a view zone below;
// Monaco renders spaces as NBSP.
const ghostTexts = () => page.evaluate(() => {
  const text = sel => {   // the spans (one per token) grouped into lines by their parent element
    const lines = new Map();
    for (const el of document.querySelectorAll(`.monaco-editor ${sel}`)) {
      lines.set(el.parentElement, (lines.get(el.parentElement) || '') + el.textContent);
    }
    return [...lines.values()];
  };
  return [...text('.ghost-text-decoration'), ...text('.ghost-text')].join('\n');
}).then(t => t.replace(/\u00a0/g, ' '));

(async () => {
  fs.writeFileSync(FILE, S.initial);
  if (S.settings) {
    fs.mkdirSync(path.join(WS, '.vscode'));
    fs.writeFileSync(path.join(WS, '.vscode', 'settings.json'), JSON.stringify(S.settings));
  }
  log('workspace', WS);
  const browser = await chromium.launch({
    executablePath: CHROME, headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],   // --no-sandbox: CI runs as root
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on('pageerror', e => log('pageerror:', String(e).slice(0, 200)));
  page.on('console', m => {
    const t = m.text().replace(/%c/g, '').replace(/ color: \S*/g, '');
    if (/jumpcoder/i.test(t)) log('console:', t.slice(0, 300));
  });

  await page.goto(`${URL_BASE}/?folder=${encodeURIComponent(WS)}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 }); mark('workbench');
  const item = page.getByRole('treeitem', { name: S.file });
  await item.waitFor({ timeout: 60000 });
  await item.click();
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.waitFor({ timeout: 30000 });
  await page.waitForFunction(f => document.querySelector('.tab.active')?.textContent?.includes(f), S.file, { timeout: 30000 });
  mark('fileOpen');

  // The extension activates on Python; its status bar item says when the server's model is ready
  // (the inline provider is registered by then).
  if (SCENARIO === 'error') {
    const bad = page.locator('[aria-label^="JumpCoder error"]').first();
    await bad.waitFor({ timeout: 60000 });
    check('status bar: error', true, await bad.getAttribute('aria-label'));
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'could not load the model' });
    await toast.first().waitFor({ timeout: 10000 });
    await sleep(500);
    check('one message about the model', await toast.count() === 1, (await toast.first().innerText()).replace(/\s+/g, ' '));
    await page.screenshot({ path: path.join(OUT, `${SCENARIO}.png`) });
    result.pass = Object.values(result.checks).every(Boolean);
    fs.writeFileSync(path.join(OUT, `${SCENARIO}.json`), JSON.stringify(result, null, 1));
    log(result.pass ? 'PASS' : 'FAIL', JSON.stringify(result.timeline));
    await browser.close();
    process.exit(result.pass ? 0 : 1);
  }
  const ready = page.locator('[aria-label^="JumpCoder ready"]').first();
  await ready.waitFor({ timeout: 60000 });
  mark('ready');
  const statusText = (await page.locator('.statusbar-item', { hasText: 'JumpCoder' }).first().innerText()).trim();
  check('status bar: ready', true, `${statusText} / ${await ready.getAttribute('aria-label')}`);

  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+b');             // hide the side bar: room for the editor
  await page.keyboard.press('Control+End');
  const ghost = page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text');
  const box = await page.locator('.editor-instance').first().boundingBox();
  const clip = { x: 0, y: 0, width: 1000, height: Math.min(720, box.y + 240) };

  const trigger = async () => {                       // editor.action.inlineSuggest.trigger from the palette
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').waitFor({ timeout: 10000 });
    await page.keyboard.type('Trigger Inline Suggestion');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
  };
  if (S.up) {                                         // to the end of the body line
    for (let i = 0; i < S.up; i++) await page.keyboard.press('ArrowUp');
    await page.keyboard.press('End');
    await page.keyboard.type(S.type, { delay: 25 });
  }

  if (SCENARIO === 'java-off') {
    await sleep(2500);                                // past the debounce and an automatic request
    await trigger();
    await sleep(2500);
    check('no ghost text in a language turned off by jumpcoder.enable', await ghost.count() === 0, await ghostTexts());
    check('no preview either', (await previewTexts()).length === 0);
    await page.keyboard.press('Control+Alt+Enter');   // Complete Function: its keybinding is not for java now
    await sleep(2000);
    const view = (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
    check('Complete Function does nothing there', !view.includes('Arrays') && readFile() === S.initial, view);
    await page.screenshot({ path: path.join(OUT, `${SCENARIO}.png`), clip });
    result.pass = Object.values(result.checks).every(Boolean);
    fs.writeFileSync(path.join(OUT, `${SCENARIO}.json`), JSON.stringify(result, null, 1));
    log(result.pass ? 'PASS' : 'FAIL', JSON.stringify(result.timeline));
    await browser.close();
    process.exit(result.pass ? 0 : 1);
  }

  if (SCENARIO === 'insert-only') {
    const previewed = async (want) => {
      let shown = [], hints = [];
      for (let i = 0; i < 100; i++) {
        shown = await previewTexts(); hints = await hintTexts();
        if (want ? (S.previewHas.every(x => shown.join('\n').includes(x)) && hints.includes(S.hint))
          : (!shown.length && !hints.length)) break;
        await sleep(100);
      }
      return { shown, hints };
    };
    let p = await previewed(true);
    if (!p.hints.length) { log('no preview after 10 s: asking from the palette'); await trigger(); p = await previewed(true); }
    mark('preview');
    check('preview shows the line inserted above', S.previewHas.every(x => p.shown.join('\n').includes(x)), p.shown);
    check('the cursor line says what Tab does', p.hints.includes(S.hint), p.hints);
    check('no ghost text at the cursor (nothing goes there)', await ghost.count() === 0, await ghostTexts());
    await page.screenshot({ path: path.join(OUT, `${SCENARIO}-suggestion.png`), clip });
    await page.keyboard.type(' ');
    p = await previewed(false);
    check('typing hides the preview and the hint', !p.shown.length && !p.hints.length, p);
    await page.keyboard.press('Backspace');
    p = await previewed(true);
    check('the suggestion again after Backspace', p.hints.includes(S.hint), p);
    await page.keyboard.press('Escape');
    p = await previewed(false);
    check('Escape hides the preview and the hint', !p.shown.length && !p.hints.length, p);
    await trigger();                                  // ask again (served from the server's cache)
    p = await previewed(true);
    check('the suggestion again when asked', p.hints.includes(S.hint), p);
    await sleep(300);
    await page.keyboard.press('Tab'); mark('accepted');
  } else if (S.up) {
    try { await ghost.first().waitFor({ timeout: 8000 }); }
    catch { log('no ghost text after 8 s: asking from the palette'); await trigger(); await ghost.first().waitFor({ timeout: 15000 }); }
    await sleep(500);
    mark('ghost');
    const ghostText = await ghostTexts();
    check(`ghost text at the cursor in a ${SCENARIO} file`, ghostText === S.ghost, ghostText);
    let shown = [];
    for (let i = 0; i < 30 && !S.previewHas.every(s => shown.join('\n').includes(s)); i++) { await sleep(100); shown = await previewTexts(); }
    check('preview shows the back-inserted line', S.previewHas.every(s => shown.join('\n').includes(s)), shown);
    await page.screenshot({ path: path.join(OUT, `${SCENARIO}-suggestion.png`), clip });
    await page.keyboard.press('Tab'); mark('accepted');
  } else if (SCENARIO === 'inline') {
    await page.keyboard.type(S.type, { delay: 25 });
    await page.keyboard.press('Enter');             // auto-indent; the automatic trigger asks the server
    try { await ghost.first().waitFor({ timeout: 8000 }); }
    catch { log('no ghost text after 8 s: asking from the palette'); await trigger(); await ghost.first().waitFor({ timeout: 15000 }); }
    await sleep(500);
    mark('ghost');
    const ghostText = await ghostTexts();
    check('ghost text shows the continuation', ghostText === S.ghost, ghostText);
    let shown = [];
    for (let i = 0; i < 30 && !S.previewHas.every(s => shown.join('\n').includes(s)); i++) { await sleep(100); shown = await previewTexts(); }
    check('preview shows the back-inserted lines', S.previewHas.every(s => shown.join('\n').includes(s)), shown);
    await page.screenshot({ path: path.join(OUT, `${SCENARIO}-suggestion.png`), clip });
    if (env.SHOT) await page.screenshot({ path: env.SHOT, clip });

    await page.keyboard.press('Escape');
    await sleep(600);
    const afterEscape = { ghost: await ghost.count(), preview: await previewTexts() };
    check('Escape hides the suggestion and its preview', afterEscape.ghost === 0 && afterEscape.preview.length === 0, afterEscape);

    await trigger();                                  // ask again (served from the server's cache)
    await ghost.first().waitFor({ timeout: 15000 });
    await sleep(400);
    await page.keyboard.press('Tab'); mark('accepted');
  } else {
    await page.keyboard.press('Control+Alt+Enter');   // JumpCoder: Complete Function
    mark('command');
  }

  if (SCENARIO === 'cancel') {
    const item = page.locator('.statusbar-item', { hasText: 'JumpCoder' }).first();
    let text = '';
    for (let i = 0; i < 100 && !/lines generated/.test(text); i++) { await sleep(100); text = await item.innerText(); }
    check('status bar shows the progress', /lines generated/.test(text), text.trim());
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'JumpCoder' }).first();
    await toast.waitFor({ timeout: 10000 });
    await sleep(700);                                 // let a few more lines be reported
    const later = (await item.innerText()).trim();
    const toastText = (await toast.innerText()).replace(/\s+/g, ' ');
    const count = t => +((t.match(/(\d+) lines generated/) || [])[1] || 0);
    check('progress goes on', count(later) > count(text), `${text.trim()} -> ${later}`);
    await page.screenshot({ path: path.join(OUT, `${SCENARIO}-progress.png`) });
    await toast.getByRole('button', { name: 'Cancel' }).click();
    mark('cancelled');
    check('progress notification with Cancel', true, toastText);
    for (let i = 0; i < 100 && /JumpCoder:/.test(text); i++) { await sleep(100); text = await item.innerText(); }
    check('status bar back to ready after Cancel', text.trim() === 'JumpCoder', text.trim());
    await sleep(500);
    const view = (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
    check('nothing written after Cancel', !view.includes('step_') && readFile() === S.initial, view);
    await page.screenshot({ path: path.join(OUT, `${SCENARIO}-after.png`), clip });
    result.pass = Object.values(result.checks).every(Boolean);
    fs.writeFileSync(path.join(OUT, `${SCENARIO}.json`), JSON.stringify(result, null, 1));
    log(result.pass ? 'PASS' : 'FAIL', JSON.stringify(result.timeline));
    await browser.close();
    process.exit(result.pass ? 0 : 1);
  }

  // the accepted suggestion's command makes the server send its edit; give it a moment, then save
  await sleep(800);
  await page.keyboard.press('Control+s');
  const saved = await waitFile(S.expect, 8000); mark('saved');
  check('file holds the continuation and the back-inserted lines', saved === S.expect, saved);
  check('preview gone after accepting', (await previewTexts()).length === 0 && (await hintTexts()).length === 0);
  await page.screenshot({ path: path.join(OUT, `${SCENARIO}-accepted.png`), clip });

  await page.keyboard.press('Escape');                // a new suggestion may be shown at the new cursor
  await page.keyboard.press('Control+z');
  await sleep(400);
  await page.keyboard.press('Control+s');
  const undone = await waitFile(S.afterUndo, 5000);
  check('one Ctrl+Z removes every edit of the suggestion', undone === S.afterUndo, undone);
  await page.screenshot({ path: path.join(OUT, `${SCENARIO}-undo.png`), clip });

  result.pass = Object.values(result.checks).every(Boolean);
  fs.writeFileSync(path.join(OUT, `${SCENARIO}.json`), JSON.stringify(result, null, 1));
  log(result.pass ? 'PASS' : 'FAIL', JSON.stringify(result.timeline));
  await browser.close();
  process.exit(result.pass ? 0 : 1);
})().catch(async e => {
  console.error(`[${secs()}s] [${SCENARIO}] ERROR`, e);
  try { await page?.screenshot({ path: path.join(OUT, `${SCENARIO}-error.png`) }); } catch { /* ignore */ }
  fs.writeFileSync(path.join(OUT, `${SCENARIO}.json`), JSON.stringify({ ...result, error: String(e) }, null, 1));
  process.exit(2);
});
