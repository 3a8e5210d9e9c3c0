// The command line the VS Code extension starts the server with, without VS Code: bundles
// editors/vscode/src/extension.ts with esbuild (from editors/vscode/node_modules), runs activate()
// against a stub `vscode` and a stub LanguageClient that records its ServerOptions, once per way of
// starting the server (pythonPath, server.command, jumpcoder-lsp from PATH), with a workspace folder
// open. The server must start in the extension's own directory, never the workspace (a `pygls/` or
// `jumpcoder_lsp/` folder there would be imported first by `python -m`).
//
//   node tests/editors/vscode/server_command.test.js      (exit 0 and "PASS" when every check holds)
'use strict';
const path = require('path');
const Module = require('module');
const assert = require('assert');

const EXT = path.resolve(__dirname, '../../../editors/vscode');
const esbuild = require(path.join(EXT, 'node_modules', 'esbuild'));
const WORKSPACE = '/home/user/untrusted-project';
const EXTENSION_DIR = '/home/user/.vscode/extensions/jumpcoder.jumpcoder-0.1.0';

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

function runActivate(settings) {
  const recorded = [];
  const cfg = { get: (key, dflt) => (key in settings ? settings[key] : dflt), inspect: () => undefined };
  // a plain object: the bundle copies the module's own keys (`import * as vscode`)
  const vscode = {
    workspace: anything({
      getConfiguration: () => cfg,
      workspaceFolders: [{ uri: { fsPath: WORKSPACE, scheme: 'file' }, name: 'p', index: 0 }],
      rootPath: WORKSPACE,
    }),
    window: anything({ showErrorMessage: () => Promise.resolve(undefined) }),
  };
  for (const name of ['commands', 'languages', 'Disposable', 'MarkdownString', 'Position', 'ProgressLocation', 'Range',
    'StatusBarAlignment', 'ThemeColor']) vscode[name] = anything();
  class LanguageClient {
    constructor(id, name, serverOptions) { recorded.push(serverOptions); }
    start() { return Promise.reject(new Error('stub client: not started')); }
    registerFeature() {}
    onDidChangeState() { return { dispose() {} }; }
  }
  const client = anything({ LanguageClient, State: { Stopped: 1, Starting: 3, Running: 2 } });
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === 'vscode') return vscode;
    if (request.startsWith('vscode-languageclient')) return client;
    return load.call(this, request, ...rest);
  };
  try {
    const { outputFiles } = esbuild.buildSync({
      entryPoints: [path.join(EXT, 'src', 'extension.ts')], bundle: true, platform: 'node', format: 'cjs',
      external: ['vscode', 'vscode-languageclient', 'vscode-languageclient/*'], write: false, logLevel: 'error',
    });
    const m = new Module(path.join(EXTENSION_DIR, 'dist', 'extension.js'));
    m.paths = Module._nodeModulePaths(EXT);
    m._compile(outputFiles[0].text, m.id);
    const context = { subscriptions: [], extensionPath: EXTENSION_DIR, extensionUri: { fsPath: EXTENSION_DIR } };
    return m.exports.activate(context).then(() => recorded);
  } finally {
    Module._load = load;
  }
}

const CASES = [
  ['pythonPath', { 'server.pythonPath': '/usr/bin/python3' }, '/usr/bin/python3', ['-m', 'jumpcoder_lsp.cli', 'serve']],
  ['server.command', { 'server.command': ['/opt/venv/bin/python', '-m', 'jumpcoder_lsp.cli', 'serve'] }, '/opt/venv/bin/python',
    ['-m', 'jumpcoder_lsp.cli', 'serve']],
  ['PATH', {}, 'jumpcoder-lsp', ['serve']],
];

(async () => {
  for (const [name, settings, command, args] of CASES) {
    const [opts] = await runActivate(settings);
    assert.ok(opts, `${name}: no LanguageClient was created`);
    assert.strictEqual(opts.command, command, `${name}: command`);
    assert.deepStrictEqual(opts.args.slice(0, args.length), args, `${name}: args`);
    const cwd = opts.options && opts.options.cwd;
    assert.strictEqual(cwd, EXTENSION_DIR, `${name}: the server's working directory is ${cwd}, not the extension's own`);
    console.log(`ok   ${name}: ${[opts.command, ...opts.args].join(' ')} (cwd ${cwd})`);
  }
  console.log('PASS');
})().catch(e => { console.error(`FAIL: ${e.stack || e}`); process.exit(1); });
