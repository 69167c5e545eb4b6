// The kernel's state in the top bar: a coloured dot and a word (idle, busy, starting,
// restarting, dead, disconnected), readable by tests through data-state.
import { el } from "../dom.js";
import type { KernelState } from "../kernel-session.js";

const WORDS: Partial<Record<KernelState, string>> = {
  none: "no kernel",
  unknown: "connecting",
  autorestarting: "restarting",
  terminating: "stopping",
};

export class KernelStatus {
  readonly element = el("span", { class: "kernel-status", attrs: { "data-state": "none", role: "status" } });
  private readonly dot = el("span", { class: "kernel-dot" });
  private readonly word = el("span", { class: "kernel-word" });
  private readonly name = el("span", { class: "kernel-name" });

  constructor() {
    this.element.append(this.dot, this.name, this.word);
    this.set("none");
  }

  set(state: KernelState, kernelName?: string): void {
    this.element.dataset.state = state;
    if (kernelName !== undefined) this.name.textContent = kernelName;
    this.word.textContent = WORDS[state] ?? state;
    this.element.title = `Kernel ${WORDS[state] ?? state}`;
  }
}
