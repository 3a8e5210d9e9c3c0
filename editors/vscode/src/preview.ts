// Preview of the lines an inline suggestion inserts above the cursor (the JumpCoder "jump").
//
// The server puts them in the inline completion item's `data.insertions` ([{line, text}]: whole
// lines to insert before document line `line`). VS Code shows the continuation as ghost text; these
// lines are shown here as decorations where they will land, until the suggestion is accepted,
// dismissed, or the document / cursor moves on. The stable API has no virtual lines, so each
// insertion is drawn in front of the line it goes above ("+ import math ⏎"), with a tint on that line
// and the full text in a hover.
import * as vscode from 'vscode';

export interface LineInsertion {
  line: number;
  text: string;
}

interface Shown {
  uri: string;
  version: number;
  line: number;
  character: number;
}

export class InsertionPreview implements vscode.Disposable {
  private readonly type: vscode.TextEditorDecorationType;
  private readonly subscriptions: vscode.Disposable[] = [];
  private shown: Shown | undefined;

  constructor(private readonly log: (message: string) => void) {
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

  /** Show `insertions` for the suggestion offered at `position` of `document` (as it is now). */
  show(document: vscode.TextDocument, position: vscode.Position, insertions: LineInsertion[]): void {
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
    this.shown = { uri: document.uri.toString(), version: document.version, line: position.line, character: position.character };
    this.log(`preview shown: ${JSON.stringify(insertions)}`);
  }

  clear(why: string): void {
    if (!this.shown) return;
    this.shown = undefined;
    for (const editor of vscode.window.visibleTextEditors) editor.setDecorations(this.type, []);
    this.log(`preview cleared: ${why}`);
  }

  dispose(): void {
    this.clear('disposed');
    this.type.dispose();
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

/** The insertions carried by a raw (protocol) inline completion item, if any. */
export function insertionsOf(item: unknown): LineInsertion[] {
  const data = (item as { data?: { insertions?: unknown } } | null)?.data;
  const list = data && Array.isArray(data.insertions) ? data.insertions : [];
  return list.filter((i): i is LineInsertion =>
    !!i && typeof (i as LineInsertion).line === 'number' && typeof (i as LineInsertion).text === 'string');
}
