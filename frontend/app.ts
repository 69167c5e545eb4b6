// The page: top bar (notebook name, kernel choice and status), toolbar, the folder's notebooks
// on the left and the open notebook. Routes: `/` and `/notebooks/<path>`.
import { ServerConnection, type Contents, type KernelSpec } from "@jupyterlab/services";
import { errorMessage } from "../kernel/common/errors.js";
import { el } from "./dom.js";
import { installKeys } from "./keyboard.js";
import { KernelSession } from "./kernel-session.js";
import { isObject, objectOr, textOf } from "./model/json.js";
import { DEFAULT_KERNELSPEC, fromNbformat, toNbformat } from "./model/nbformat.js";
import { newCell, NotebookModel } from "./model/notebook-model.js";
import { foreignRecords, type Services } from "./services.js";
import { FileBrowser } from "./views/file-browser.js";
import { KernelStatus } from "./views/kernel-status.js";
import { NotebookView } from "./views/notebook-view.js";
import { Toolbar } from "./views/toolbar.js";
import { TrustBanner } from "./views/trust-banner.js";
import { widgetHost } from "./widgets/widget-host.js";

const NOTEBOOK_ROUTE = /^\/notebooks\/(.+)$/;

/**
 * Autosave, as JupyterLab's document manager does it: every 120 s while there are unsaved
 * changes (JupyterLab's default `autosaveInterval`), and after each cell has run. The interval can
 * be changed for this browser with localStorage `luci-autosave-interval` (seconds; 0 turns the
 * timer off).
 */
const AUTOSAVE_SECONDS = 120;

function autosaveSeconds(): number {
  const value = Number(window.localStorage.getItem("luci-autosave-interval") ?? AUTOSAVE_SECONDS);
  return Number.isFinite(value) && value >= 0 ? value : AUTOSAVE_SECONDS;
}

export class App {
  private view?: NotebookView;
  private session?: KernelSession;
  private specs: KernelSpec.ISpecModels | null = null;
  private readonly title = el("button", { class: "notebook-title", title: "Rename" });
  private readonly dirtyMark = el("span", { class: "dirty-mark", title: "Unsaved changes" });
  private readonly status = new KernelStatus();
  private readonly kernelChoice = el("select", { class: "kernel-choice", attrs: { "aria-label": "Kernel" } });
  private readonly notice = el("div", { class: "notice", attrs: { role: "status", "aria-live": "polite" } });
  private readonly files: FileBrowser;
  private readonly trust: TrustBanner;
  private readonly toolbar: Toolbar;
  private readonly stage = el("div", { class: "stage" });
  private noticeTimer = 0;
  /** Changes made to the open notebook; a save clears the dirty mark only if none came during it. */
  private edits = 0;
  private saving?: Promise<boolean>;
  private saveAgain = false;

  constructor(private readonly services: Services) {
    this.files = new FileBrowser({
      list: async (dir) => {
        let listing: Contents.IModel;
        try {
          listing = await this.services.contents.get(dir, { content: true });
        } catch (err) {
          throw new Error(this.explain(err), { cause: err });
        }
        const items: unknown = listing.content;
        if (!Array.isArray(items)) throw new Error(`${dir || "the root"} is not a folder`);
        return items.filter(isContentsModel);
      },
      open: (path) => void this.open(path, true),
      create: (dir) => void this.create(dir),
    });
    this.trust = new TrustBanner(() => this.trustNotebook());
    this.toolbar = new Toolbar({
      save: () => void this.save(),
      add: (kind) => this.view?.insert(this.view.active + 1, kind),
      run: () => void this.view?.runSelected(true),
      runAll: () => void this.view?.runAll(),
      interrupt: () => void this.interrupt(),
      restart: () => void this.restart(),
    });
    this.title.addEventListener("click", () => this.startRename());
    this.kernelChoice.addEventListener("change", () => void this.changeKernel(this.kernelChoice.value));
  }

  mount(root: HTMLElement): void {
    const brand = el("a", { class: "brand", attrs: { href: "/" } }, el("span", { class: "brand-mark", text: "◆" }), el("span", { text: "Luci" }));
    brand.addEventListener("click", (event) => {
      event.preventDefault();
      void this.close();
    });
    root.replaceChildren(
      el(
        "header",
        { class: "topbar" },
        brand,
        el("div", { class: "title-wrap" }, this.title, this.dirtyMark),
        el("div", { class: "spacer" }),
        this.kernelChoice,
        this.status.element,
      ),
      this.toolbar.element,
      el("div", { class: "workspace" }, this.files.element, el("div", { class: "stage-wrap" }, this.trust.element, this.stage)),
      this.notice,
    );
    const every = autosaveSeconds();
    if (every > 0) window.setInterval(() => void this.autosave(), every * 1000);
    installKeys({ notebook: () => this.view, save: () => void this.save(), interrupt: () => void this.interrupt(), restart: () => void this.restart() });
    window.addEventListener("popstate", () => void this.route());
    // Closing the tab with unsaved changes asks first (switching notebooks in the page saves).
    window.addEventListener("beforeunload", (event) => {
      if (this.view?.model.dirty) event.preventDefault();
    });
  }

  async start(): Promise<void> {
    try {
      this.specs = (await this.services.specs.ready.then(() => this.services.specs.specs)) ?? null;
    } catch (err) {
      this.say(this.explain(err), true);
    }
    this.kernelChoice.replaceChildren(
      ...Object.values(this.specs?.kernelspecs ?? {}).map((spec) => el("option", { attrs: { value: spec!.name }, text: spec!.display_name })),
    );
    await this.files.refresh("");
    await this.route();
  }

  private async route(): Promise<void> {
    const match = NOTEBOOK_ROUTE.exec(window.location.pathname);
    if (match) await this.open(match[1]!.split("/").map(decodeURIComponent).join("/"), false);
    else this.showWelcome();
  }

  private showWelcome(): void {
    this.setTitle();
    this.toolbar.enable(false);
    this.stage.replaceChildren(
      el(
        "div",
        { class: "welcome" },
        el("h1", { text: "Luci notebooks" }),
        el("p", {
          text: "Each cell is a task in plain words, Python, or markdown. Luci writes the code for a task, shows its plan, code and checks, and runs it in the notebook's own Python.",
        }),
        el("p", { class: "luci-muted", text: "Open a notebook on the left, or make a new one." }),
      ),
    );
  }

  private async close(): Promise<void> {
    if (!(await this.saveBeforeLeaving())) return;
    await this.session?.shutdown();
    widgetHost.open({});
    this.session = undefined;
    this.view = undefined;
    this.trust.reset();
    this.status.set("none", "");
    this.files.highlight("");
    history.pushState(null, "", "/");
    this.showWelcome();
  }

  async open(path: string, push: boolean): Promise<void> {
    let model: NotebookModel;
    try {
      const file = await this.services.contents.get(path, { type: "notebook", content: true });
      model = fromNbformat(file.path, file.content);
    } catch (err) {
      this.say(`Could not open ${path}: ${this.explain(err)}`, true);
      return;
    }
    if (!(await this.saveBeforeLeaving())) return;
    await this.session?.shutdown();
    const url = `/notebooks/${path.split("/").map(encodeURIComponent).join("/")}`;
    if (push) history.pushState(null, "", url);
    else if (window.location.pathname !== url) history.replaceState(null, "", url);
    const kernelName = this.kernelNameFor(model);
    const session = new KernelSession(this.services, model.path, kernelName);
    widgetHost.open(model.metadata); // before the view draws the saved outputs
    const view = new NotebookView(model, session);
    this.session = session;
    this.view = view;
    this.kernelChoice.value = kernelName;
    session.onState((state) => {
      if (this.session !== session) return;
      this.status.set(state, this.displayName(kernelName));
      widgetHost.setKernel(session.kernel); // a changed kernel shows in its status first
    });
    model.onChange(() => {
      if (model.dirty) this.edits++;
      this.setTitle();
    });
    view.onRan(() => void this.autosave());
    // Foreign records in the file keep the banner up until the notebook is trusted, whatever ran.
    let foreign = 0;
    view.onUntrusted((untrusted) => (untrusted || foreign === 0 ? this.trust.show(untrusted) : undefined));
    this.trust.reset();
    void foreignRecords(this.services.settings, model.path).then(
      (count) => {
        foreign = count;
        if (this.view !== view) return;
        this.trust.showOnOpen(count);
        this.trust.element.dataset.checked = model.path; // the check has answered for this notebook
      },
      (err: unknown) => this.say(`Could not check the notebook's records: ${this.explain(err)}`, true),
    );
    this.saveFailed();
    this.stage.replaceChildren(view.element);
    view.attached();
    this.setTitle();
    this.toolbar.enable(true);
    this.files.highlight(model.path);
    document.title = `${model.name.replace(/\.ipynb$/, "")} · Luci`;
    try {
      await session.start();
    } catch (err) {
      if (this.session !== session) return;
      this.status.set("dead");
      this.say(`The kernel did not start: ${this.explain(err)}`, true);
    }
  }

  private kernelNameFor(model: NotebookModel): string {
    const wanted = textOf(objectOr(model.metadata.kernelspec).name);
    const specs = this.specs?.kernelspecs ?? {};
    if (wanted && specs[wanted]) return wanted;
    if (specs.luci) return "luci";
    return this.specs?.default ?? DEFAULT_KERNELSPEC.name;
  }

  private displayName(name: string): string {
    return this.specs?.kernelspecs[name]?.display_name ?? name;
  }

  private setTitle(): void {
    const model = this.view?.model;
    this.kernelChoice.hidden = !model;
    this.title.textContent = model ? model.name.replace(/\.ipynb$/, "") : "";
    this.title.hidden = !model;
    this.dirtyMark.hidden = !model?.dirty;
  }

  /** An autosave: the open notebook, if it has unsaved changes. */
  private async autosave(): Promise<void> {
    if (this.view?.model.dirty) await this.save(true);
  }

  /**
   * Saves the open notebook; false (with a notice, and the title's mark saying so until a save
   * works) when the server refused. Saves never overlap: one asked for during a save follows it.
   */
  async save(auto = false): Promise<boolean> {
    if (this.saving) {
      this.saveAgain = true;
      return this.saving;
    }
    this.saving = this.saveNow(auto);
    try {
      return await this.saving;
    } finally {
      this.saving = undefined;
      if (this.saveAgain) {
        this.saveAgain = false;
        void this.autosave();
      }
    }
  }

  private async saveNow(auto: boolean): Promise<boolean> {
    const view = this.view;
    if (!view || !this.session) return false;
    const name = this.kernelChoice.value || DEFAULT_KERNELSPEC.name;
    const spec = this.specs?.kernelspecs[name];
    const kernelspec = { name, display_name: spec?.display_name ?? DEFAULT_KERNELSPEC.display_name, language: spec?.language ?? "python" };
    const widgets = await widgetHost.stateToSave(); // as JupyterLab saves it: reopened without the kernel, they still show
    if (this.view !== view || !this.session) return false; // the notebook was closed meanwhile
    if (widgets) view.model.metadata.widgets = widgets;
    const content = toNbformat(view.model, kernelspec, this.session.language);
    const edits = this.edits;
    try {
      await this.services.contents.save(view.model.path, { type: "notebook", format: "json", content });
      view.model.metadata = content.metadata;
      this.saveFailed();
      // A change made while the file was being written is still unsaved.
      if (this.edits === edits) view.model.saved();
      if (!auto) this.say(`Saved ${view.model.name}`);
      return true;
    } catch (err) {
      const why = this.explain(err);
      this.saveFailed(why);
      this.say(`${auto ? "Autosave failed" : "Could not save"}: ${why}`, true);
      return false;
    }
  }

  /** The title's mark: unsaved changes, or (with a reason) a save that failed. */
  private saveFailed(why?: string): void {
    this.dirtyMark.classList.toggle("save-failed", why !== undefined);
    this.dirtyMark.title = why === undefined ? "Unsaved changes" : `Not saved: ${why}`;
    this.dirtyMark.textContent = why === undefined ? "" : "not saved";
  }

  /** Saves the open notebook if it has changes; false when that failed (it then stays open). */
  private async saveBeforeLeaving(): Promise<boolean> {
    if (!this.view?.model.dirty) return true;
    return this.save();
  }

  private async create(dir: string): Promise<void> {
    try {
      const file = await this.services.contents.newUntitled({ path: dir, type: "notebook" });
      const model = new NotebookModel(file.path, [newCell("task")], { kernelspec: DEFAULT_KERNELSPEC, language_info: { name: "python" } });
      const content = toNbformat(model, DEFAULT_KERNELSPEC);
      await this.services.contents.save(file.path, { type: "notebook", format: "json", content });
      await this.files.refresh();
      await this.open(file.path, true);
      this.startRename();
    } catch (err) {
      this.say(`Could not make a notebook: ${this.explain(err)}`, true);
    }
  }

  private startRename(): void {
    const view = this.view;
    if (!view) return;
    const oldPath = view.model.path;
    const input = el("input", { class: "title-input", attrs: { type: "text", "aria-label": "Notebook name", spellcheck: "false" } });
    input.value = view.model.name.replace(/\.ipynb$/, "");
    this.title.hidden = true;
    this.title.after(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (commit: boolean) => {
      if (done) return;
      done = true;
      input.remove();
      this.title.hidden = false;
      const name = input.value.trim().replace(/\.ipynb$/, "");
      if (!commit || !name || `${name}.ipynb` === view.model.name) return;
      if (/[/\\]/.test(name)) return this.say("A name cannot hold / or \\", true);
      const dir = oldPath.includes("/") ? oldPath.slice(0, oldPath.lastIndexOf("/") + 1) : "";
      const newPath = `${dir}${name}.ipynb`;
      try {
        await this.services.contents.rename(oldPath, newPath);
        view.model.path = newPath;
        await this.session?.rename(newPath);
        history.replaceState(null, "", `/notebooks/${newPath.split("/").map(encodeURIComponent).join("/")}`);
        document.title = `${name} · Luci`;
        this.setTitle();
        await this.files.refresh();
        this.files.highlight(newPath);
        this.say(`Renamed to ${name}.ipynb`);
      } catch (err) {
        this.say(`Could not rename: ${this.explain(err)}`, true);
      }
    };
    input.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Enter") void finish(true);
      if (event.key === "Escape") void finish(false);
    });
    input.addEventListener("blur", () => void finish(true));
  }

  private async interrupt(): Promise<void> {
    try {
      await this.session?.interrupt();
    } catch (err) {
      this.say(`Could not interrupt: ${this.explain(err)}`, true);
    }
  }

  private async restart(): Promise<void> {
    try {
      await this.session?.restart();
      this.say("Kernel restarted: variables are gone, recorded code stays in the cells.");
    } catch (err) {
      this.say(`Could not restart: ${this.explain(err)}`, true);
    }
  }

  private async changeKernel(name: string): Promise<void> {
    if (!this.session || !this.view) return;
    this.view.model.metadata.kernelspec = { name, display_name: this.displayName(name), language: "python" };
    this.view.model.changed();
    try {
      await this.session.changeKernel(name);
      this.status.set(this.session.state, this.displayName(name));
    } catch (err) {
      this.say(`Could not start ${name}: ${this.explain(err)}`, true);
    }
  }

  /**
   * Trusts the records of the notebook as saved (the kernel reads records from the file, so the
   * file, not the page, is what gets trusted), then reruns the refused cells.
   */
  private async trustNotebook(): Promise<string> {
    const view = this.view;
    if (!view) throw new Error("no notebook is open");
    const refused = view.untrustedCells();
    // The kernel asks for the notebook's name before it trusts: the click on the button is the answer.
    const said = await view.runHidden("%luci trust", view.model.path.split("/").pop() ?? "");
    for (const cell of refused) await view.runCell(cell);
    // The kernel's last line says what was trusted (the lines before it are the question's).
    return said.split("\n").at(-1) || "Trusted.";
  }

  private say(text: string, error = false): void {
    this.notice.textContent = text;
    this.notice.classList.toggle("notice-error", error);
    this.notice.classList.add("notice-shown");
    window.clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => this.notice.classList.remove("notice-shown"), error ? 8000 : 2500);
  }

  private explain(err: unknown): string {
    const status = err instanceof ServerConnection.ResponseError ? err.response.status : undefined;
    if (status === 403 || status === 401) return "the server refused the token; open the address that `luci serve` printed";
    return errorMessage(err);
  }
}

/** A folder listing's entry, as the contents API gives it (checked for what the file browser reads). */
function isContentsModel(value: unknown): value is Contents.IModel {
  return isObject(value) && typeof value.name === "string" && typeof value.path === "string" && typeof value.type === "string";
}
