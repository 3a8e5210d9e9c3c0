// JumpCoder for VS Code: a client of the jumpcoder-lsp language server.
//
// * inline suggestions: vscode-languageclient's LSP 3.18 inline completion support; the middleware
//   reads each item's `data.insertions` (the lines the suggestion inserts above the cursor) to
//   preview them while the ghost text is shown;
// * accepting runs the item's command `jumpcoder.applyEdit`; the server answers with one versioned
//   workspace/applyEdit, which is applied into the accept's undo group (one Ctrl+Z undoes it all);
// * insert-only suggestions (nothing to add at the cursor, lines to insert above): VS Code does not
//   show an inline item with an empty insertText, so the extension keeps it from VS Code, previews
//   the lines with a "Tab: insert ..." hint, and Tab runs `jumpcoder.acceptInsertions` (the item's
//   command); the lines are one undo step of their own (see preview.ts);
// * "JumpCoder: Complete Function" (Ctrl+Alt+Enter): the server's `jumpcoder.completeFunction`
//   with cancellable progress;
// * a status bar item with the server and model state and the server's progress.
import * as vscode from 'vscode';
import {
  ApplyWorkspaceEditParams, ApplyWorkspaceEditResult, CancellationToken, DidChangeConfigurationNotification,
  ExecuteCommandRequest, FeatureState, InlineCompletionRequest, LanguageClient, LanguageClientOptions, ServerCapabilities,
  ServerOptions, State, StaticFeature, TextDocumentEdit, TransportKind,
} from 'vscode-languageclient/node';
import { INSERT_ONLY_CONTEXT, InsertionPreview, insertOnlyOf, insertionsOf } from './preview';
import { RESTART_KEYS, ServerSettings, isEnabled, reportedLanguageIds, serverCommand, serverSettings, settingsDelta } from './settings';
import { ProgressFeature, ServerStatus, StatusBar } from './status';

const APPLY_EDIT = 'jumpcoder.applyEdit';
const COMPLETE_FUNCTION = 'jumpcoder.completeFunction';
const STATUS = 'jumpcoder.status';
/** the server's label of an insert-only suggestion's edit: nothing went in at the cursor before it */
const LABEL_INSERT_ONLY = 'JumpCoder: inserted lines (insert-only suggestion)';
/** the languages of a server that reports none (before it did): Python */
const FALLBACK_LANGUAGES = ['python'];
/** the client's document selector: filled, when the server has answered initialize, with the
 *  languages it reports that `jumpcoder.enable` leaves on (LanguagesFeature) */
let selector: { scheme: string; language: string }[] = [];
/** the languageIds attached (also the `jumpcoder.languages` context key of the keybindings) */
let attachedLanguages: string[] = [];

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let preview: InsertionPreview;
let status: StatusBar;
let sentSettings: ServerSettings = {};
/** the server's working directory (not the workspace: see serverCommand) */
let extensionDir: string = __dirname;
/** the document whose accepted suggestion's `jumpcoder.applyEdit` is running: its edit joins the accept's undo group */
let mergeInto: string | undefined;

function log(message: string): void {
  output?.info(message);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionDir = context.extensionPath;
  output = vscode.window.createOutputChannel('JumpCoder', { log: true });
  preview = new InsertionPreview(log);
  status = new StatusBar('jumpcoder.showStatus');
  context.subscriptions.push(output, preview, status,
    vscode.commands.registerCommand('jumpcoder.completeFunctionAtCursor', completeFunction),
    vscode.commands.registerCommand('jumpcoder.showStatus', showStatus),
    vscode.commands.registerCommand('jumpcoder.restartServer', restart),
    vscode.commands.registerCommand('jumpcoder.hideSuggestion', async () => {
      preview.clear('dismissed');
      await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    }),
    vscode.commands.registerCommand('jumpcoder.acceptInsertions', acceptInsertions),
    vscode.workspace.onDidChangeConfiguration(onConfiguration),
  );
  log(`activated; server: ${[serverCommand().command, ...serverCommand().args].join(' ')}`);
  await start();
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  await stopClient(c);
}

async function stopClient(c: LanguageClient | undefined): Promise<void> {
  if (!c || c.state === State.Stopped) return;
  try {
    await c.stop();
  } catch (error) {
    log(`stopping the server: ${error}`);
  }
}

// ------------------------------------------------------------------------------------------------
// the client

function createClient(): LanguageClient {
  const cmd = serverCommand(undefined, extensionDir);
  const serverOptions: ServerOptions = {
    command: cmd.command, args: cmd.args, transport: TransportKind.stdio, options: { env: cmd.env, cwd: cmd.cwd },
  };
  sentSettings = serverSettings();
  selector = [];   // a new array per client: LanguagesFeature fills it in place
  const clientOptions: LanguageClientOptions = {
    documentSelector: selector,
    initializationOptions: sentSettings,
    outputChannel: output,
    middleware: {
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        const c = client;
        if (!c || !vscode.workspace.getConfiguration('jumpcoder', document).get<boolean>('previewInsertions', true)) {
          return next(document, position, context, token);
        }
        // The client's converter keeps only insertText/range/command of an item, so ask the server
        // directly to see `data`, then convert with the client's own converter.
        const version = document.version;
        const params = c.code2ProtocolConverter.asInlineCompletionParams(document, position, context);
        let raw;
        try {
          raw = await c.sendRequest(InlineCompletionRequest.type, params, token);
        } catch (error) {
          return c.handleFailedRequest(InlineCompletionRequest.type, token, error, null);
        }
        if (token.isCancellationRequested || document.version !== version) return null;
        const items = Array.isArray(raw) ? raw : raw?.items ?? [];
        const insertions = items.length ? insertionsOf(items[0]) : [];
        const insertOnly = items.length ? insertOnlyOf(items[0]) : undefined;
        if (insertOnly) {
          // VS Code shows nothing for an item that inserts nothing: offered by our own preview + Tab
          const accept = c.protocol2CodeConverter.asCommand(insertOnly.command);
          preview.show(document, position, insertions, { accept, summary: insertOnly.summary });
          return null;
        }
        if (insertions.length) preview.show(document, position, insertions);
        else preview.clear('no lines above');
        return c.protocol2CodeConverter.asInlineCompletionResult(raw, token);
      },
      executeCommand: async (command, args, next) => {
        if (command !== APPLY_EDIT) return next(command, args);
        preview.clear('accepted');
        const arg = args[0] as { uri?: string } | undefined;
        mergeInto = typeof arg?.uri === 'string' ? arg.uri : undefined;
        try {
          return await next(command, args);
        } finally {
          mergeInto = undefined;
        }
      },
      workspace: {
        handleApplyEdit: async (params, next) => (await applyIntoAcceptUndoGroup(params)) ?? next(params, CancellationToken.None),
      },
    },
  };
  const c = new LanguageClient('jumpcoder', 'JumpCoder', serverOptions, clientOptions);
  c.registerFeature(new LanguagesFeature(selector));
  c.registerFeature(new ProgressFeature(c, status, title => {
    log(`progress ended: ${title}`);
    void refreshStatus(false);
  }));
  c.onDidChangeState(e => {
    if (e.newState === State.Stopped) setAttached([]);
    if (e.newState === State.Stopped) status.set('stopped', 'the server is not running');
    else if (e.newState === State.Starting) status.set('starting');
  });
  return c;
}

function setAttached(ids: string[]): void {
  attachedLanguages = ids;
  void vscode.commands.executeCommand('setContext', 'jumpcoder.languages', ids);
}

/**
 * The documents the client attaches to: the languages the server reports in its initialize result
 * (`capabilities.experimental.jumpcoder.languages`), so a language added to the server needs no
 * new extension, less those `jumpcoder.enable` turns off. vscode-languageclient shows the server's
 * capabilities to every feature (preInitialize) before any feature registers with the selector,
 * so filling the selector's array here is what every feature (document sync, inline completion,
 * completion, code actions) then uses.
 */
class LanguagesFeature implements StaticFeature {
  constructor(private readonly target: { scheme: string; language: string }[]) {}
  fillClientCapabilities(): void { /* nothing to add */ }
  getState(): FeatureState { return { kind: 'static' }; }
  preInitialize(capabilities: ServerCapabilities): void {
    const reported = reportedLanguageIds(capabilities);
    const ids = (reported ?? FALLBACK_LANGUAGES).filter(isEnabled);
    const off = (reported ?? FALLBACK_LANGUAGES).filter(id => !isEnabled(id));
    this.target.splice(0, this.target.length,
      ...ids.flatMap(language => [{ scheme: 'file', language }, { scheme: 'untitled', language }]));
    setAttached(ids);
    log(`languages: ${reported ? `the server's ${JSON.stringify(reported)}` : `none reported, using ${FALLBACK_LANGUAGES}`}` +
      `${off.length ? `; off by jumpcoder.enable: ${off.join(', ')}` : ''}`);
  }
  initialize(): void { /* done in preInitialize */ }
  clear(): void { /* nothing held */ }
}

async function start(): Promise<void> {
  status.set('starting');
  const c = createClient();
  client = c;
  try {
    await c.start();
  } catch (error) {
    const cmd = serverCommand();
    status.set('error', `could not start ${cmd.command}`);
    void vscode.window.showErrorMessage(
      `JumpCoder: could not start the language server (${[cmd.command, ...cmd.args].join(' ')}): ${error}. ` +
      'Install it with `pip install jumpcoder-lsp`, or set jumpcoder.server.pythonPath / jumpcoder.server.command.',
      'Open Settings').then(choice => {
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'jumpcoder.server');
    });
    return;
  }
  log(`client running: ${JSON.stringify({ command: serverCommand().command, settings: sentSettings })}`);
  status.set('loading', 'loading the model');
  void refreshStatus(true);
}

async function restart(): Promise<void> {
  const c = client;
  client = undefined;
  preview.clear('restart');
  await stopClient(c);
  await start();
}

async function serverStatus(wait: boolean): Promise<ServerStatus | undefined> {
  const c = client;
  if (!c || !c.isRunning()) return undefined;
  return c.sendRequest(ExecuteCommandRequest.type, { command: STATUS, arguments: [{ waitReady: wait }] }) as Promise<ServerStatus>;
}

async function refreshStatus(wait: boolean): Promise<void> {
  try {
    const s = await serverStatus(wait);
    if (s) {
      status.fromStatus(s);
      log(`status: ${s.state}${s.model ? ` (${s.model})` : ''}${s.error ? `: ${s.error}` : ''}`);
    }
  } catch (error) {
    log(`status request failed: ${error}`);
  }
}

function onConfiguration(e: vscode.ConfigurationChangeEvent): void {
  if (!e.affectsConfiguration('jumpcoder')) return;
  log('configuration changed');
  if (RESTART_KEYS.some(k => e.affectsConfiguration(k))) {
    void restart();
    return;
  }
  const c = client;
  if (!c || !c.isRunning()) return;
  const now = serverSettings();
  const delta = settingsDelta(sentSettings, now);
  sentSettings = now;
  if (!Object.keys(delta).length) return;
  log(`settings changed: ${JSON.stringify(delta)}`);
  void c.sendNotification(DidChangeConfigurationNotification.type, { settings: delta });
  if (['model', 'infillModel', 'device', 'dtype'].some(k => k in delta)) status.set('loading', 'loading the model');
}

// ------------------------------------------------------------------------------------------------
// one undo step for an accepted suggestion

/**
 * The server's edit for an accepted suggestion (the lines above the cursor), applied through the
 * editor with no undo stop before it, so that it joins the undo group of the inserted continuation:
 * one Ctrl+Z undoes the whole suggestion. Same version check as the client's own handler.
 * Returns undefined for any other edit (the client applies it as usual).
 */
async function applyIntoAcceptUndoGroup(params: ApplyWorkspaceEditParams): Promise<ApplyWorkspaceEditResult | undefined> {
  const c = client;
  const changes = params.edit.documentChanges;
  if (!c || !mergeInto || !changes || changes.length !== 1 || !TextDocumentEdit.is(changes[0])) return undefined;
  const change = changes[0];
  if (change.textDocument.uri !== mergeInto) return undefined;
  const editor = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === change.textDocument.uri);
  if (!editor) return undefined;
  const doc = editor.document;
  const v = change.textDocument.version;
  if (v !== null && v >= 0 && v !== doc.version) {
    return { applied: false, failureReason: `the document changed (version ${doc.version}, the edit is for ${v})` };
  }
  const edits = change.edits.map(e => ({ range: c.protocol2CodeConverter.asRange(e.range), text: 'newText' in e ? e.newText : '' }));
  // insert-only: nothing was inserted at the cursor, so there is no accept to join: a step of its own
  const own = params.label === LABEL_INSERT_ONLY;
  const applied = await editor.edit(b => { for (const e of edits) b.replace(e.range, e.text); },
    { undoStopBefore: own, undoStopAfter: true });
  log(`applied ${edits.length} insertion(s) above the cursor ${own ? 'as an undo step of their own' : "in the accept's undo group"}: ${applied}`);
  return { applied };
}

// ------------------------------------------------------------------------------------------------
// commands

/** Tab on an insert-only suggestion: run its command (jumpcoder.applyEdit, through the client and
 *  the executeCommand middleware) if it is still shown at the cursor of the active editor. */
async function acceptInsertions(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const accept = preview.insertOnlyAt(editor);
  if (!accept) {  // no longer for this cursor and version: the key does what it does without us
    preview.clear('no insert-only suggestion at the cursor');
    await vscode.commands.executeCommand('setContext', INSERT_ONLY_CONTEXT, false);
    await vscode.commands.executeCommand('tab');
    return;
  }
  try {
    const r = await vscode.commands.executeCommand(accept.command, ...(accept.arguments ?? [])) as
      { applied?: boolean; reason?: string } | undefined;
    log(`insert-only accepted: ${JSON.stringify(r)}`);
  } catch (error) {
    log(`insert-only accept failed: ${error}`);
  }
}

async function completeFunction(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const c = client;
  if (!editor || !vscode.languages.match(selector, editor.document)) {
    const langs = attachedLanguages.length ? attachedLanguages.join(', ') : 'none yet';
    void vscode.window.showInformationMessage(
      `JumpCoder: open a file in a language JumpCoder is on for (${langs}) and put the cursor in a function.`);
    return;
  }
  if (!c || !c.isRunning()) {
    void vscode.window.showWarningMessage('JumpCoder: the language server is not running.');
    return;
  }
  preview.clear('complete function');
  const args = [{
    uri: c.code2ProtocolConverter.asUri(editor.document.uri),
    position: c.code2ProtocolConverter.asPosition(editor.selection.active),
  }];
  try {
    const r = await c.sendRequest(ExecuteCommandRequest.type, { command: COMPLETE_FUNCTION, arguments: args }) as
      { applied?: boolean; reason?: string; lines?: number; jumps?: number } | null;
    log(`completeFunction: ${JSON.stringify(r)}`);
    if (r && !r.applied) {
      const why: Record<string, string> = {
        empty: 'the model has nothing to add here', stale: 'the document changed while it ran', cancelled: 'cancelled',
      };
      if (r.reason !== 'cancelled') {
        void vscode.window.showInformationMessage(`JumpCoder: nothing applied (${why[r.reason ?? ''] ?? r.reason ?? 'the editor rejected the edit'}).`);
      }
    }
  } catch (error) {
    void vscode.window.showErrorMessage(`JumpCoder: Complete Function failed: ${error instanceof Error ? error.message : error}`);
  }
}

async function showStatus(): Promise<void> {
  let s: ServerStatus | undefined;
  try { s = await serverStatus(false); } catch (error) { log(`status: ${error}`); }
  output.show(true);
  if (!s) {
    void vscode.window.showWarningMessage('JumpCoder: the language server is not running.', 'Restart').then(choice => {
      if (choice) void restart();
    });
    return;
  }
  status.fromStatus(s);
  log(`status: ${JSON.stringify(s)}`);
  const stats = s.stats || {};
  const cfg = s.config || {};
  void vscode.window.showInformationMessage(
    `JumpCoder: ${s.state}${s.model ? ` — ${s.model}` : ''}${cfg.device ? ` on ${cfg.device}` : ''}` +
    `${s.error ? ` — ${s.error}` : ''}; ${stats.requests ?? 0} requests, ${stats.cache_hits ?? 0} from the cache, ` +
    `${stats.model_runs ?? 0} model runs.`);
}
