// The command line the VS Code extension starts the server with, without VS Code: bundles
// editors/vscode/src/extension.ts with esbuild (from editors/vscode/node_modules), runs activate()
// against a stub `vscode` and a stub LanguageClient that records its ServerOptions, once per way of
// starting the server (pythonPath, server.command, jumpcoder-lsp from PATH), with a workspace folder
// open. The server must start in the extension's own directory, never the workspace (a `pygls/` or
// `jumpcoder_lsp/` folder there would be imported first by `python -m`).
//
//   node tests/editors/vscode/server_command.test.js      (exit 0 and "PASS" when every check holds)
'use strict';
const assert = require('assert');
const { anything, activate, EXTENSION_DIR } = require('./stub_extension');

const WORKSPACE = '/home/user/untrusted-project';

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
  return activate(vscode, LanguageClient).then(() => recorded);
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
