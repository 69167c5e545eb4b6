// Jupyter's keys. Anywhere: Shift-Enter runs and advances, Ctrl-Enter runs, Alt-Enter runs and
// inserts below, Ctrl-S saves. Edit mode: Esc leaves the editor. Command mode: Enter edits,
// A/B insert above/below, D D deletes, M/Y/T make the cell markdown/Python/task, J/K and the
// arrows move, I I interrupts, 0 0 restarts. The cell editor (editor/cell-editor.ts) leaves the
// keys isPageKey names to this listener.
import type { NotebookView } from "./views/notebook-view.js";

export interface KeyTarget {
  notebook(): NotebookView | undefined;
  save(): void;
  interrupt(): void;
  restart(): void;
}

/** Keys the page handles even while a cell's editor has the focus: the editor lets them pass. */
export function isPageKey(event: KeyboardEvent): boolean {
  const mod = event.ctrlKey || event.metaKey;
  if (event.key === "Enter") return event.shiftKey || mod || event.altKey;
  if (event.key === "Escape") return !mod && !event.shiftKey && !event.altKey;
  return mod && !event.shiftKey && !event.altKey && event.key.toLowerCase() === "s";
}

export function installKeys(target: KeyTarget): void {
  let last = { key: "", time: 0 };
  const twice = (key: string) => {
    const now = Date.now();
    const hit = last.key === key && now - last.time < 800;
    last = hit ? { key: "", time: 0 } : { key, time: now };
    return hit;
  };

  document.addEventListener("keydown", (event) => {
    const nb = target.notebook();
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.shiftKey && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      target.save();
      return;
    }
    if (!nb) return;
    // Keys typed in the page's body have no element of ours as their target.
    const field = event.target instanceof HTMLElement ? event.target : undefined;
    const inEditor = field?.closest(".cell-editor") != null;
    const inOtherField =
      !inEditor &&
      (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement || field instanceof HTMLSelectElement || field?.isContentEditable === true);
    if (inOtherField) return;
    // Enter on a button, a link or a panel's summary is theirs.
    if (event.key === "Enter" && !event.shiftKey && !mod && !event.altKey && field?.closest("button, summary, a")) return;

    if (event.key === "Enter" && (event.shiftKey || mod || event.altKey)) {
      event.preventDefault();
      if (event.shiftKey) void nb.runSelected(true);
      else if (event.altKey) {
        void nb.runCell(nb.current);
        nb.insert(nb.active + 1, nb.current.model.kind === "markdown" ? "task" : nb.current.model.kind);
      } else void nb.runSelected(false);
      return;
    }
    if (inEditor) {
      if (event.key === "Escape") {
        event.preventDefault();
        nb.commandMode();
      }
      return;
    }
    if (event.altKey || mod) return;
    const key = event.key;
    const handled = (() => {
      switch (key) {
        case "Enter":
          nb.editMode();
          return true;
        case "a":
        case "A":
          nb.insert(nb.active, "task");
          return true;
        case "b":
        case "B":
          nb.insert(nb.active + 1, "task");
          return true;
        case "d":
        case "D":
          if (twice("d")) nb.remove();
          return true;
        case "m":
        case "M":
          nb.setKind(nb.current, "markdown");
          return true;
        case "y":
        case "Y":
          nb.setKind(nb.current, "python");
          return true;
        case "t":
        case "T":
          nb.setKind(nb.current, "task");
          return true;
        case "j":
        case "J":
        case "ArrowDown":
          nb.move(1);
          return true;
        case "k":
        case "K":
        case "ArrowUp":
          nb.move(-1);
          return true;
        case "i":
        case "I":
          if (twice("i")) target.interrupt();
          return true;
        case "0":
          if (twice("0")) target.restart();
          return true;
        default:
          return false;
      }
    })();
    if (handled) event.preventDefault();
  });
}
