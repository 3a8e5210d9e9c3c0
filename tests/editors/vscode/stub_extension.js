// The VS Code extension without VS Code, for the node tests beside this file: bundles
// editors/vscode/src/extension.ts with esbuild (from editors/vscode/node_modules) once, and runs its
// activate() against the stub `vscode` module and the stub LanguageClient class a test passes in.
'use strict';
const path = require('path');
const Module = require('module');

const EXT = path.resolve(__dirname, '../../../editors/vscode');
const EXTENSION_DIR = '/home/user/.vscode/extensions/jumpcoder.jumpcoder-0.1.0';
let bundle = null;

/** an object on which any property, call or `new` gives another such object (not a thenable) */
function anything(overrides = {}) {
  const target = function () {};
  return new Proxy(target, {
    get: (_t, p) => (p in overrides ? overrides[p] : p === 'then' ? undefined : anything()),
    apply: () => anything(),
    construct: () => anything(),
    set: () => true,
  });
}

/** activate()'s promise, the extension loaded from EXTENSION_DIR with `vscode` as the vscode module
 *  and `LanguageClient` as vscode-languageclient's client class */
function activate(vscode, LanguageClient) {
  if (bundle === null) {
    const esbuild = require(path.join(EXT, 'node_modules', 'esbuild'));
    bundle = esbuild.buildSync({
      entryPoints: [path.join(EXT, 'src', 'extension.ts')], bundle: true, platform: 'node', format: 'cjs',
      external: ['vscode', 'vscode-languageclient', 'vscode-languageclient/*'], write: false, logLevel: 'error',
    }).outputFiles[0].text;
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
    return m.exports.activate({ subscriptions: [], extensionPath: EXTENSION_DIR, extensionUri: { fsPath: EXTENSION_DIR } });
  } finally {
    Module._load = load;
  }
}

module.exports = { anything, activate, EXTENSION_DIR };
