// The `jumpcoder.*` settings that mirror the server's configuration (jumpcoder_lsp/config.py).
// Only the settings the user has set go to the server: everything else keeps the server's own
// default (and $JUMPCODER_LSP_MODEL still overrides the model at start).
import * as vscode from 'vscode';

/** setting key (under `jumpcoder.`) -> the server's camelCase key */
export const SERVER_KEYS: Record<string, string> = {
  model: 'model',
  infillModel: 'infillModel',
  device: 'device',
  dtype: 'dtype',
  runtime: 'runtime',
  threads: 'threads',
  method: 'method',
  k: 'k',
  tau: 'tau',
  maxLines: 'maxLines',
  inlineMaxLines: 'inlineMaxLines',
  contextLines: 'contextLines',
  contextChars: 'contextChars',
  suffixLines: 'suffixLines',
  suffixChars: 'suffixChars',
  suffixFim: 'suffixFim',
  policy: 'policy',
  functionPolicy: 'functionPolicy',
  enableInline: 'enableInline',
  enableCompletion: 'enableCompletion',
  enableDiagnostics: 'enableDiagnostics',
  debounceMs: 'debounceMs',
  inlineBudgetMs: 'inlineBudgetMs',
  warmCache: 'warmCache',
  lintClean: 'lintClean',
};

export type ServerSettings = Record<string, unknown>;

function isSet<T>(i: ReturnType<vscode.WorkspaceConfiguration['inspect']> | undefined): boolean {
  if (!i) return false;
  return [i.globalValue, i.workspaceValue, i.workspaceFolderValue,
    i.globalLanguageValue, i.workspaceLanguageValue, i.workspaceFolderLanguageValue].some(v => v !== undefined);
}

/** The server settings the user has set (initializationOptions). */
export function serverSettings(cfg: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration('jumpcoder')): ServerSettings {
  const out: ServerSettings = {};
  for (const [key, serverKey] of Object.entries(SERVER_KEYS)) {
    if (isSet(cfg.inspect(key))) out[serverKey] = cfg.get(key);
  }
  return out;
}

/** What changed from `before` to `after`, for workspace/didChangeConfiguration: a removed
 *  setting is sent as null, which resets it to the server's default. */
export function settingsDelta(before: ServerSettings, after: ServerSettings): ServerSettings {
  const delta: ServerSettings = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!(key in after)) delta[key] = null;
    else if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) delta[key] = after[key];
  }
  return delta;
}

export interface ServerCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** the server's working directory: never the workspace, so a `pygls/`, `torch/` or
   *  `jumpcoder_lsp/` folder in an opened project is not imported by `python -m` */
  cwd: string;
}

/** How to start the server: `jumpcoder.server.command`, else `<pythonPath> -m jumpcoder_lsp.cli
 *  serve`, else `jumpcoder-lsp serve` from PATH; in `cwd` (the extension's own directory). Not `-I`:
 *  it would drop a PYTHONPATH the user sets in `jumpcoder.server.env` (and `-P` needs Python 3.11). */
export function serverCommand(cfg: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration('jumpcoder'),
  cwd: string = __dirname): ServerCommand {
  const custom = (cfg.get<string[]>('server.command') || []).filter(s => typeof s === 'string' && s !== '');
  const python = (cfg.get<string>('server.pythonPath') || '').trim();
  const level = cfg.get<string>('server.logLevel') || 'info';
  const env = { ...process.env, ...(cfg.get<Record<string, string>>('server.env') || {}) };
  if (custom.length) return { command: custom[0], args: custom.slice(1), env, cwd };
  if (python) return { command: python, args: ['-m', 'jumpcoder_lsp.cli', 'serve', '--log-level', level], env, cwd };
  return { command: 'jumpcoder-lsp', args: ['serve', '--log-level', level], env, cwd };
}

/** Settings that need a new server process when they change (`jumpcoder.enable`: the client's
 *  document selector is fixed when it starts). */
export const RESTART_KEYS = ['jumpcoder.server.command', 'jumpcoder.server.pythonPath', 'jumpcoder.server.env',
  'jumpcoder.server.logLevel', 'jumpcoder.enable'];

/** The languages the server reported in its initialize result
 *  (`capabilities.experimental.jumpcoder.languages`: name -> languageIds), as one list of
 *  languageIds; undefined when it reported none (an older server). */
export function reportedLanguageIds(capabilities: unknown): string[] | undefined {
  const exp = (capabilities as { experimental?: unknown } | undefined)?.experimental;
  const langs = (exp as { jumpcoder?: { languages?: unknown } } | undefined)?.jumpcoder?.languages;
  if (!langs || typeof langs !== 'object' || Array.isArray(langs)) return undefined;
  const ids = new Set<string>();
  for (const list of Object.values(langs as Record<string, unknown>)) {
    if (Array.isArray(list)) for (const id of list) if (typeof id === 'string' && id) ids.add(id);
  }
  return [...ids].sort();
}

/** `jumpcoder.enable` for a language, as GitHub Copilot's `github.copilot.enable`: an object from
 *  language id to boolean, `*` for the others; true when neither is set (or not a boolean). */
export function enabledFor(languageId: string, value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return true;
  const v = value as Record<string, unknown>;
  if (typeof v[languageId] === 'boolean') return v[languageId] as boolean;
  if (typeof v['*'] === 'boolean') return v['*'] as boolean;
  return true;
}

/** Whether JumpCoder is enabled for `languageId` (the setting read for that language, so a
 *  `"[java]": { "jumpcoder.enable": ... }` override counts). */
export function isEnabled(languageId: string): boolean {
  return enabledFor(languageId, vscode.workspace.getConfiguration('jumpcoder', { languageId }).get('enable'));
}
