// The status bar item (server and model state) and the server's work-done progress.
//
// The server reports model loading and "JumpCoder: Complete Function" as work-done progress that
// it creates itself (window/workDoneProgress/create). This feature takes over that request from the
// client's built-in one (it is registered after it, so its handler wins): every progress shows in
// the status bar item, and a cancellable one also as a notification with a Cancel button.
import * as vscode from 'vscode';
import {
  BaseLanguageClient, FeatureState, StaticFeature, WorkDoneProgress, WorkDoneProgressBegin,
  WorkDoneProgressCancelNotification, WorkDoneProgressCreateParams, WorkDoneProgressCreateRequest,
  WorkDoneProgressReport, ProgressToken,
} from 'vscode-languageclient';

export type ServerState = 'starting' | 'loading' | 'ready' | 'error' | 'stopped';

export interface ServerStatus {
  state?: string;
  model?: string | null;
  error?: string | null;
  busy?: boolean;
  config?: Record<string, unknown>;
  stats?: Record<string, number>;
  /** the languages the server supports: name -> the languageIds that select it */
  languages?: Record<string, string[]>;
}

export class StatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  state: ServerState = 'starting';
  model = '';
  detail = '';
  private readonly tasks = new Map<string, string>();   // progress token -> "title: message"

  constructor(command: string) {
    this.item = vscode.window.createStatusBarItem('jumpcoder.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'JumpCoder';
    this.item.command = command;
    this.render();
    this.item.show();
  }

  set(state: ServerState, detail = '', model?: string): void {
    this.state = state;
    this.detail = detail;
    if (model !== undefined) this.model = model;
    this.render();
  }

  fromStatus(s: ServerStatus): void {
    const device = s.config && typeof s.config.device === 'string' ? s.config.device : '';
    const model = s.model || (s.config && typeof s.config.model === 'string' ? s.config.model : '');
    if (s.state === 'ready') this.set('ready', device ? `device ${device}` : '', model);
    else if (s.state === 'loading') this.set('loading', 'loading the model', model);
    else if (s.state === 'failed' || s.error) this.set('error', s.error || 'the model did not load', model);
    else this.set('starting', s.state || '', model);
  }

  progress(token: string, text: string | undefined): void {
    if (text === undefined) this.tasks.delete(token);
    else this.tasks.set(token, text);
    this.render();
  }

  private render(): void {
    const task = [...this.tasks.values()].pop();
    const icon = task || this.state === 'starting' || this.state === 'loading' ? '$(loading~spin)'
      : this.state === 'ready' ? '$(sparkle)' : this.state === 'error' ? '$(error)' : '$(circle-slash)';
    const words: Record<ServerState, string> = {
      starting: 'starting the server', loading: 'loading the model', ready: 'ready', error: 'error', stopped: 'server stopped',
    };
    this.item.text = task ? `${icon} JumpCoder: ${task}` : `${icon} JumpCoder`;
    const lines = [`JumpCoder ${words[this.state]}${this.model ? `: ${this.model}` : ''}`];
    if (this.detail) lines.push(this.detail);
    if (task) lines.push(task);
    lines.push('', 'Click for the server status');
    this.item.tooltip = lines.join('\n');
    this.item.accessibilityInformation = { label: lines.slice(0, task ? 3 : 2).filter(Boolean).join('; ') };
    this.item.backgroundColor = this.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** Handles the server's window/workDoneProgress/create: status bar + cancellable notification. */
export class ProgressFeature implements StaticFeature {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly open = new Map<string, () => void>();

  constructor(private readonly client: BaseLanguageClient, private readonly status: StatusBar,
    private readonly onEnd: (title: string) => void) {}

  fillClientCapabilities(): void { /* the built-in progress feature announces window.workDoneProgress */ }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  initialize(): void {
    this.client.onRequest(WorkDoneProgressCreateRequest.type, (params: WorkDoneProgressCreateParams) => this.create(params.token));
  }

  private create(token: ProgressToken): void {
    const key = String(token);
    let title = 'JumpCoder';
    let finish: (() => void) | undefined;
    let report: ((r: WorkDoneProgressReport) => void) | undefined;
    const end = () => {
      sub.dispose();
      this.status.progress(key, undefined);
      finish?.();
      this.open.delete(key);
    };
    this.open.set(key, end);
    const sub = this.client.onProgress(WorkDoneProgress.type, token, value => {
      switch (value.kind) {
        case 'begin': {
          const b = value as WorkDoneProgressBegin;
          title = b.title;
          this.status.progress(key, label(title, b.message, b.percentage));
          if (b.cancellable) {
            void vscode.window.withProgress(
              { location: vscode.ProgressLocation.Notification, title: b.title, cancellable: true },
              (progress, cancel) => new Promise<void>(resolve => {
                finish = resolve;
                let last = 0;
                report = r => {
                  const inc = r.percentage !== undefined ? Math.max(0, r.percentage - last) : undefined;
                  if (r.percentage !== undefined) last = r.percentage;
                  progress.report({ message: r.message, increment: inc });
                };
                if (b.message) progress.report({ message: b.message });
                cancel.onCancellationRequested(() => {
                  void this.client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
                });
              }));
          }
          break;
        }
        case 'report': {
          const r = value as WorkDoneProgressReport;
          this.status.progress(key, label(title, r.message, r.percentage));
          report?.(r);
          break;
        }
        case 'end':
          end();
          this.onEnd(title);
          break;
      }
    });
  }

  clear(): void {
    for (const end of [...this.open.values()]) end();
    for (const d of this.disposables) d.dispose();
  }
}

function label(title: string, message?: string, percentage?: number): string {
  const text = [title.replace(/^JumpCoder:?\s*/, ''), message].filter(Boolean).join(': ') || 'working';
  return percentage !== undefined ? `${text} ${percentage}%` : text;
}
