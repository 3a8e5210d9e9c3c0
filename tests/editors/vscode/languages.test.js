// Which documents the VS Code extension attaches to, without VS Code: bundles
// editors/vscode/src/extension.ts with esbuild, runs activate() against a stub `vscode` and a stub
// LanguageClient that records its options and features, then shows the features an initialize
// result (vscode-languageclient's preInitialize) and reads the document selector every feature then
// registers with: the server's reported languages, less those `jumpcoder.enable` turns off; Python
// only when the server reports none (an older server).
//
//   node tests/editors/vscode/languages.test.js      (exit 0 and "PASS" when every check holds)
'use strict';
const path = require('path');
const Module = require('module');
const assert = require('assert');

const EXT = path.resolve(__dirname, '../../../editors/vscode');
const esbuild = require(path.join(EXT, 'node_modules', 'esbuild'));
const EXTENSION_DIR = '/home/user/.vscode/extensions/jumpcoder.jumpcoder-0.1.0';

function anything(overrides = {}) {
  const target = function () {};
  return new Proxy(target, {
    get: (_t, p) => (p in overrides ? overrides[p] : p === 'then' ? undefined : anything()),
    apply: () => anything(),
    construct: () => anything(),
    set: () => true,
  });
}

const bundle = esbuild.buildSync({
  entryPoints: [path.join(EXT, 'src', 'extension.ts')], bundle: true, platform: 'node', format: 'cjs',
  external: ['vscode', 'vscode-languageclient', 'vscode-languageclient/*'], write: false, logLevel: 'error',
}).outputFiles[0].text;

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
  const client = anything({ LanguageClient, State: { Stopped: 1, Starting: 3, Running: 2 } });
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === 'vscode') return vscode;
    if (request.startsWith('vscode-languageclient')) return client;
    return load.call(this, request, ...rest);
  };
  try {
    const m = new Module(path.join(EXTENSION_DIR, 'dist', 'extension.js'));
    m.paths = Module._nodeModulePaths(EXT);
    m._compile(bundle, m.id);
    await m.exports.activate({ subscriptions: [], extensionPath: EXTENSION_DIR, extensionUri: { fsPath: EXTENSION_DIR } });
  } finally {
    Module._load = load;
  }
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
