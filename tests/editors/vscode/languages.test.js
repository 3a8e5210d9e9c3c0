// Which documents the VS Code extension attaches to, without VS Code: bundles
// editors/vscode/src/extension.ts with esbuild, runs activate() against a stub `vscode` and a stub
// LanguageClient that records its options and features, then shows the features an initialize
// result (vscode-languageclient's preInitialize) and reads the document selector every feature then
// registers with: the server's reported languages, less those `jumpcoder.enable` turns off; Python
// only when the server reports none (an older server).
//
//   node tests/editors/vscode/languages.test.js      (exit 0 and "PASS" when every check holds)
'use strict';
const assert = require('assert');
const { anything, activate } = require('./stub_extension');

/** activate() with `enable` as jumpcoder.enable (`perLanguage`: [languageId] overrides); the client's
 *  document selector and `jumpcoder.languages` context after the server answered with `capabilities` */
async function attachTo(capabilities, enable, perLanguage = {}) {
  let options, features = [], context = null;
  const config = scope => ({
    get: (key, dflt) => key === 'enable'
      ? (scope && scope.languageId in perLanguage ? perLanguage[scope.languageId] : enable) : dflt,
    inspect: () => undefined,
  });
  const vscode = {
    workspace: anything({ getConfiguration: (_section, scope) => config(scope) }),
    window: anything({ showErrorMessage: () => Promise.resolve(undefined) }),
    commands: anything({
      executeCommand: (cmd, key, value) => { if (cmd === 'setContext' && key === 'jumpcoder.languages') context = value; },
    }),
  };
  for (const name of ['languages', 'Disposable', 'MarkdownString', 'Position', 'ProgressLocation', 'Range',
    'StatusBarAlignment', 'ThemeColor']) vscode[name] = anything();
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) { options = clientOptions; }
    start() { return Promise.resolve(); }
    registerFeature(f) { features.push(f); }
    onDidChangeState() { return { dispose() {} }; }
    isRunning() { return false; }
  }
  await activate(vscode, LanguageClient);
  // what vscode-languageclient does with the initialize result: preInitialize for all, then initialize
  const selector = options.documentSelector;
  for (const f of features) if (typeof f.preInitialize === 'function') f.preInitialize(capabilities, selector);
  const langs = [...new Set(selector.map(s => s.language))].sort();
  for (const l of langs) {
    assert.deepStrictEqual(selector.filter(s => s.language === l).map(s => s.scheme).sort(), ['file', 'untitled'], l);
  }
  return { langs, context: context && [...context].sort() };
}

const SERVER = { experimental: { jumpcoder: { languages: {
  cpp: ['cpp', 'c++', 'cxx'], csharp: ['csharp', 'c#', 'cs'], java: ['java'], python: ['python', 'py'],
  typescript: ['typescript'],   // a language a newer server adds: no extension release needed
} } } };
const ALL = ['c#', 'c++', 'cpp', 'cs', 'csharp', 'cxx', 'java', 'py', 'python', 'typescript'];

const CASES = [
  ['default', SERVER, undefined, {}, ALL],
  ['{"*": true}', SERVER, { '*': true }, {}, ALL],
  ['java off', SERVER, { '*': true, java: false }, {}, ALL.filter(l => l !== 'java')],
  ['cpp only', SERVER, { '*': false, cpp: true }, {}, ['cpp']],
  ['[java] override', SERVER, { '*': true }, { java: { '*': true, java: false } }, ALL.filter(l => l !== 'java')],
  ['not a boolean', SERVER, { '*': 'yes', java: 0 }, {}, ALL],
  ['an older server (no languages)', { experimental: {} }, undefined, {}, ['python']],
  ['an older server, python off', {}, { python: false }, {}, []],
];

(async () => {
  for (const [name, caps, enable, perLanguage, want] of CASES) {
    const { langs, context } = await attachTo(caps, enable, perLanguage);
    assert.deepStrictEqual(langs, want, `${name}: the document selector's languages`);
    assert.deepStrictEqual(context, want, `${name}: the jumpcoder.languages context (keybindings)`);
    console.log(`ok   ${name}: ${langs.join(', ') || '(none)'}`);
  }
  console.log('PASS');
})().catch(e => { console.error(`FAIL: ${e.stack || e}`); process.exit(1); });
