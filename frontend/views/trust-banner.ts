// The banner for a notebook whose recorded code the kernel would not run: code recorded by
// someone else (or edited in the file) is shown and not run until the notebook is trusted.
// The button runs `%luci trust` in the kernel (which trusts the records of the saved file) and
// answers the kernel's question (the notebook's name, kernel/cells/trust-command.ts) for the
// person who clicked: a notebook can neither click nor answer, so it cannot trust itself. Then
// it reruns the refused cells.
import { errorMessage } from "../../kernel/common/errors.js";
import { el } from "../dom.js";

const UNTRUSTED =
  "This notebook holds code recorded by someone else. It is shown and was not run. Read it; if you trust it, trust the notebook and its cells run again.";

const ON_OPEN = "Its code is shown and will not run until you read it and trust the notebook.";

export class TrustBanner {
  readonly element: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly message: HTMLElement;
  private busy = false;
  private readonly icon = el("span", { class: "banner-icon", text: "⚠" });

  constructor(trust: () => Promise<string>) {
    this.message = el("span", { class: "banner-text", text: UNTRUSTED });
    this.button = el("button", { class: "button button-primary trust-button", text: "Trust notebook and rerun" });
    // onTrust reports its own failures in the banner: the promise never rejects.
    this.button.addEventListener("click", () => void this.onTrust(trust));
    this.element = el("div", { class: "banner trust-banner", attrs: { role: "alert" } }, this.icon, this.message, this.button);
    this.element.hidden = true;
  }

  private async onTrust(trust: () => Promise<string>): Promise<void> {
    this.button.disabled = true;
    this.button.textContent = "Trusting…";
    this.busy = true;
    try {
      this.message.textContent = await trust();
      this.element.classList.add("banner-ok");
      this.icon.textContent = "✓";
      this.button.hidden = true;
    } catch (err) {
      this.message.textContent = `Could not trust the notebook: ${errorMessage(err)}`;
      this.element.classList.add("banner-error");
      this.button.disabled = false;
      this.button.textContent = "Try again";
    } finally {
      this.busy = false;
    }
  }

  /** Another notebook: no banner until its cells say otherwise. */
  reset(): void {
    this.element.classList.remove("banner-ok", "banner-error");
    this.element.hidden = true;
    delete this.element.dataset.checked;
  }

  /**
   * On open, before anything ran: `count` recorded programs in the saved notebook that the
   * kernel would not run (as the server's trust check, the kernels' own, counted them).
   */
  showOnOpen(count: number): void {
    if (count <= 0) return;
    this.show(true, `This notebook holds ${count === 1 ? "a recorded program" : `${count} recorded programs`} made by someone else. ${ON_OPEN}`);
  }

  show(untrusted: boolean, text = UNTRUSTED): void {
    if (this.busy) return;
    if (untrusted) {
      this.element.classList.remove("banner-ok", "banner-error");
      this.icon.textContent = "⚠";
      this.message.textContent = text;
      this.button.hidden = false;
      this.button.disabled = false;
      this.button.textContent = "Trust notebook and rerun";
      this.element.hidden = false;
    } else if (!this.element.classList.contains("banner-ok")) {
      this.element.hidden = true;
    }
  }
}
