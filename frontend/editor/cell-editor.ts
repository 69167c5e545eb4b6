// A cell's editor: CodeMirror 6. Python cells get Python's grammar (highlighting, indentation by
// 4 spaces, bracket matching); task and markdown cells are plain text with a soft wrap. Undo and
// redo, Tab to indent. The page's own keys (keyboard.ts: Shift-Enter, Ctrl-Enter, Alt-Enter,
// Esc, Ctrl-S) are left to the page: CodeMirror sees them first and lets them pass untouched.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { bracketMatching, defaultHighlightStyle, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState, Prec, type Extension } from "@codemirror/state";
import { EditorView, drawSelection, keymap, placeholder } from "@codemirror/view";
import { isPageKey } from "../keyboard.js";
import type { CellKind } from "../model/cell-kind.js";

export interface CellEditorEvents {
  /** The user changed the text (not setText). */
  changed(text: string): void;
  focused(): void;
}

export class CellEditor {
  readonly view: EditorView;
  private readonly language = new Compartment();
  private readonly hint = new Compartment();
  private kind: CellKind;
  private hintText: string;
  private settingText = false;

  constructor(text: string, kind: CellKind, hint: string, events: CellEditorEvents) {
    this.kind = kind;
    this.hintText = hint;
    this.view = new EditorView({
      state: EditorState.create({
        doc: text,
        extensions: [
          // Before any keymap: the page's keys are the page's.
          Prec.highest(EditorView.domEventHandlers({ keydown: (event) => isPageKey(event), beforeinput: replaceLines })),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          EditorState.tabSize.of(4),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          this.language.of(languageFor(kind)),
          this.hint.of(placeholder(hint)),
          // Through the facet: CodeMirror rewrites its element's class attribute on updates.
          EditorView.editorAttributes.of({ class: "cell-editor" }),
          EditorView.contentAttributes.of({ "aria-label": "cell text", spellcheck: "false", autocapitalize: "off", autocorrect: "off" }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !this.settingText) events.changed(update.state.doc.toString());
            if (update.focusChanged && update.view.hasFocus) events.focused();
          }),
        ],
      }),
    });
  }

  get dom(): HTMLElement {
    return this.view.dom;
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  get hasFocus(): boolean {
    return this.view.hasFocus;
  }

  /** Replaces the text (a parameter field's change, a marker the kind needs); undo brings it back. */
  setText(text: string): void {
    if (text === this.text) return;
    this.settingText = true;
    try {
      this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
    } finally {
      this.settingText = false;
    }
  }

  /** Python's grammar, or plain wrapped text; and the placeholder an empty cell shows. */
  setKind(kind: CellKind, hint: string): void {
    const effects = [];
    if (hint !== this.hintText) effects.push(this.hint.reconfigure(placeholder(hint)));
    if (kind !== this.kind) effects.push(this.language.reconfigure(languageFor(kind)));
    this.kind = kind;
    this.hintText = hint;
    if (effects.length) this.view.dispatch({ effects });
  }

  focus(): void {
    this.view.focus();
  }
}

/**
 * Text typed over a selection of several lines: Chromium's own edit of the DOM leaves an empty
 * line behind (select all, type: "x\n"), which CodeMirror then reads as the text. The editor
 * makes that replacement itself instead.
 */
function replaceLines(event: InputEvent, view: EditorView): boolean {
  if ((event.inputType !== "insertText" && event.inputType !== "insertReplacementText") || event.data === null) return false;
  const { state } = view;
  const range = state.selection.main;
  if (state.selection.ranges.length > 1 || state.doc.lineAt(range.from).number === state.doc.lineAt(range.to).number) return false;
  view.dispatch(state.replaceSelection(event.data), { userEvent: "input.type", scrollIntoView: true });
  return true;
}

function languageFor(kind: CellKind): Extension {
  return kind === "python" ? [python(), indentUnit.of("    ")] : [EditorView.lineWrapping, indentUnit.of("    ")];
}
