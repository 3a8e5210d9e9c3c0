// Preview of the lines an inline suggestion inserts above the cursor (the JumpCoder "jump").
//
// The server puts them in the inline completion item's `data.insertions` ([{line, text}]: whole
// lines to insert before document line `line`). VS Code shows the continuation as ghost text; these
// lines are shown here as decorations where they will land, until the suggestion is accepted,
// dismissed, or the document / cursor moves on. The stable API has no virtual lines, so each
// insertion is drawn in front of the line it goes above ("+ import math ⏎"), with a tint on that line
// and the full text in a hover.
//
// An insert-only suggestion (nothing goes in at the cursor: the server's item has insertText "" and
// `data.insertOnly`) has no ghost text, and VS Code neither shows nor accepts an inline item that
// inserts nothing (measured with code-server 4.139.1 / VS Code 1.139.1: Tab typed an indent). So
// the extension offers it itself: the same decorations, plus a hint at the end of the cursor line
// saying what Tab does ("Tab: insert `import math` at line 2", the server's `data.summary`); while
// it is shown the context key `jumpcoder.insertOnlyVisible` is true, which binds Tab to
// `jumpcoder.acceptInsertions` (it runs the item's command) and Escape to dismissing it.
import * as vscode from 'vscode';

/** the context key that is true while an insert-only suggestion is shown (the Tab/Escape keybindings) */
export const INSERT_ONLY_CONTEXT = 'jumpcoder.insertOnlyVisible';

export interface LineInsertion {
  line: number;
  text: string;
}

interface Shown {
  uri: string;
  version: number;
  line: number;
  character: number;
  /** an insert-only suggestion: the server command that applies its lines */
  accept?: vscode.Command;
}

export class InsertionPreview implements vscode.Disposable {
  private readonly type: vscode.TextEditorDecorationType;
  private readonly hintType: vscode.TextEditorDecorationType;
  private readonly subscriptions: vscode.Disposable[] = [];
  private shown: Shown | undefined;

  constructor(private readonly log: (message: string) => void) {
    this.hintType = vscode.window.createTextEditorDecorationType({
      after: {
        color: new vscode.ThemeColor('editorGhostText.foreground'),
        fontStyle: 'italic',
        margin: '0 0 0 1.5em',
      },
    });
    this.type = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('jumpcoder.previewBackground'),
      before: {
        color: new vscode.ThemeColor('editorGhostText.foreground'),
        fontStyle: 'italic',
        border: '1px dashed',
        borderColor: new vscode.ThemeColor('jumpcoder.previewBorder'),
        margin: '0 0.8em 0 0',
      },
    });
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument(e => {
        if (this.shown && e.contentChanges.length && e.document.uri.toString() === this.shown.uri) this.clear('document changed');
      }),
      vscode.window.onDidChangeTextEditorSelection(e => {
        const s = this.shown;
        if (!s || e.textEditor.document.uri.toString() !== s.uri) return;
        const p = e.selections[0]?.active;
        if (!p || p.line !== s.line || p.character !== s.character || e.selections.length > 1) this.clear('cursor moved');
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.clear('editor changed')),
      vscode.workspace.onDidCloseTextDocument(d => { if (this.shown?.uri === d.uri.toString()) this.clear('document closed'); }),
    );
  }

  get visible(): boolean {
    return this.shown !== undefined;
  }

  /** The insert-only suggestion shown at `editor`'s cursor, if one is: the command that applies it. */
  insertOnlyAt(editor: vscode.TextEditor | undefined): vscode.Command | undefined {
    const s = this.shown;
    const p = editor?.selection.active;
    if (!s?.accept || !editor || !p || editor.selections.length !== 1 || !editor.selection.isEmpty) return undefined;
    const same = editor.document.uri.toString() === s.uri && editor.document.version === s.version &&
      p.line === s.line && p.character === s.character;
    return same ? s.accept : undefined;
  }

  /**
   * Show `insertions` for the suggestion offered at `position` of `document` (as it is now). With
   * `insertOnly` (the command that applies them and the server's summary), the suggestion inserts
   * nothing at the cursor: the cursor line also says what Tab does.
   */
  show(document: vscode.TextDocument, position: vscode.Position, insertions: LineInsertion[],
    insertOnly?: { accept: vscode.Command; summary: string }): void {
    const editor = vscode.window.visibleTextEditors.find(e => e.document === document);
    if (!editor || !insertions.length) {
      this.clear('nothing to preview');
      return;
    }
    const byLine = new Map<number, string[]>();
    for (const ins of insertions) {
      const line = Math.max(0, Math.min(ins.line, document.lineCount));
      const lines = ins.text.replace(/\r?\n$/, '').split(/\r?\n/);
      byLine.set(line, [...(byLine.get(line) || []), ...lines]);
    }
    const options: vscode.DecorationOptions[] = [];
    for (const [line, lines] of byLine) {
      const atEnd = line >= document.lineCount;   // appended after the last line
      const target = atEnd ? document.lineCount - 1 : line;
      const label = labelOf(lines);
      const hover = new vscode.MarkdownString(
        `**JumpCoder** inserts ${lines.length === 1 ? 'this line' : 'these lines'} ${atEnd ? 'at the end' : 'here'} when you accept the suggestion:`);
      hover.appendCodeblock(lines.join('\n'), document.languageId);
      const range = new vscode.Range(target, 0, target, 0);
      options.push(atEnd
        ? { range, hoverMessage: hover, renderOptions: { after: { contentText: ` ${label}` } } }
        : { range, hoverMessage: hover, renderOptions: { before: { contentText: label } } });
    }
    editor.setDecorations(this.type, options);
    const hint: vscode.DecorationOptions[] = [];
    if (insertOnly) {
      const text = hintOf(insertOnly.summary);
      const end = document.lineAt(position.line).range.end;
      const hover = new vscode.MarkdownString(`**JumpCoder**: nothing to add at the cursor. ${text}; Escape dismisses.`);
      hint.push({ range: new vscode.Range(end, end), hoverMessage: hover, renderOptions: { after: { contentText: text } } });
    }
    editor.setDecorations(this.hintType, hint);
    this.shown = {
      uri: document.uri.toString(), version: document.version, line: position.line, character: position.character,
      accept: insertOnly?.accept,
    };
    void vscode.commands.executeCommand('setContext', INSERT_ONLY_CONTEXT, !!insertOnly);
    this.log(`preview shown${insertOnly ? ' (insert-only)' : ''}: ${JSON.stringify(insertions)}`);
  }

  clear(why: string): void {
    if (!this.shown) return;
    const insertOnly = !!this.shown.accept;
    this.shown = undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      editor.setDecorations(this.type, []);
      editor.setDecorations(this.hintType, []);
    }
    if (insertOnly) void vscode.commands.executeCommand('setContext', INSERT_ONLY_CONTEXT, false);
    this.log(`preview cleared: ${why}`);
  }

  dispose(): void {
    this.clear('disposed');
    this.type.dispose();
    this.hintType.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

const MAX_LABEL = 48;

/** One line of text for the inserted lines: "+ import math ⏎", long ones cut, with a count. */
export function labelOf(lines: string[]): string {
  const shown = lines.map(l => l.trim());
  while (shown.length > 1 && shown[shown.length - 1] === '') shown.pop();
  let text = shown.join(' \u23ce ');
  if (text.length > MAX_LABEL) text = `${text.slice(0, MAX_LABEL - 1).trimEnd()}\u2026`;
  return `+ ${text} \u23ce${lines.length > 1 ? `  (${lines.length} lines)` : ''}`;
}

/** What Tab does for an insert-only suggestion: "Tab: insert `import math` at line 2". */
export function hintOf(summary: string | undefined): string {
  return `Tab: ${summary || 'insert the lines above'}`;
}

/** A raw (protocol) inline completion item that inserts nothing at the cursor but lines above it:
 *  its command and summary; else undefined. */
export function insertOnlyOf(item: unknown): { command: { title: string; command: string; arguments?: unknown[] }; summary: string } | undefined {
  const it = item as { insertText?: unknown; command?: { title?: unknown; command?: unknown; arguments?: unknown }; data?: { insertOnly?: unknown; summary?: unknown } } | null;
  const text = typeof it?.insertText === 'string' ? it.insertText : (it?.insertText as { value?: unknown } | undefined)?.value;
  const cmd = it?.command;
  if (!it || text !== '' || it.data?.insertOnly !== true || !insertionsOf(it).length || !cmd ||
    typeof cmd.command !== 'string' || (cmd.arguments !== undefined && !Array.isArray(cmd.arguments))) return undefined;
  return {
    command: { title: typeof cmd.title === 'string' ? cmd.title : 'JumpCoder', command: cmd.command, arguments: cmd.arguments as unknown[] | undefined },
    summary: typeof it.data?.summary === 'string' ? it.data.summary : '',
  };
}

/** The insertions carried by a raw (protocol) inline completion item, if any. */
export function insertionsOf(item: unknown): LineInsertion[] {
  const data = (item as { data?: { insertions?: unknown } } | null)?.data;
  const list = data && Array.isArray(data.insertions) ? data.insertions : [];
  return list.filter((i): i is LineInsertion =>
    !!i && typeof (i as LineInsertion).line === 'number' && typeof (i as LineInsertion).text === 'string');
}
