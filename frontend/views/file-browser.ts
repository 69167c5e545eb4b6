// The notebooks of the served folder: folders to walk into, notebooks to open, and a button
// for a new notebook. The open notebook is highlighted.
import type { Contents } from "@jupyterlab/services";
import { errorMessage } from "../../kernel/common/errors.js";
import { el } from "../dom.js";

export interface FileBrowserActions {
  list(dir: string): Promise<Contents.IModel[]>;
  open(path: string): void;
  create(dir: string): void;
}

export class FileBrowser {
  readonly element = el("aside", { class: "sidebar" });
  private readonly listing = el("ul", { class: "file-list" });
  private readonly crumbs = el("div", { class: "file-crumbs" });
  dir = "";
  private openPath = "";

  constructor(private readonly actions: FileBrowserActions) {
    const create = el("button", { class: "button button-small new-notebook", text: "+ New", title: "New notebook in this folder" });
    create.addEventListener("click", () => this.actions.create(this.dir));
    this.element.append(el("div", { class: "sidebar-head" }, el("span", { class: "sidebar-title", text: "Notebooks" }), create), this.crumbs, this.listing);
  }

  highlight(path: string): void {
    this.openPath = path;
    for (const item of this.listing.querySelectorAll<HTMLElement>("[data-path]")) item.classList.toggle("file-open", item.dataset.path === path);
  }

  async refresh(dir = this.dir): Promise<void> {
    this.dir = dir;
    let items: Contents.IModel[];
    try {
      items = await this.actions.list(dir);
    } catch (err) {
      this.listing.replaceChildren(el("li", { class: "file-error", text: `Could not list the folder: ${errorMessage(err)}.` }));
      return;
    }
    this.crumbs.replaceChildren();
    const parts = dir ? dir.split("/") : [];
    const crumb = (label: string, target: string) => {
      const link = el("button", { class: "crumb", text: label });
      link.addEventListener("click", () => void this.refresh(target));
      return link;
    };
    this.crumbs.append(crumb("⌂", ""));
    parts.forEach((part, i) => this.crumbs.append(el("span", { class: "crumb-sep", text: "/" }), crumb(part, parts.slice(0, i + 1).join("/"))));
    this.crumbs.hidden = parts.length === 0;
    const shown = items
      .filter((item) => item.type === "directory" || item.type === "notebook")
      .filter((item) => !item.name.startsWith("."))
      .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === "directory" ? -1 : 1));
    this.listing.replaceChildren(
      ...shown.map((item) => {
        const button = el(
          "button",
          { class: `file-item file-${item.type}`, attrs: { "data-path": item.path }, title: item.path },
          el("span", { class: "file-icon", text: item.type === "directory" ? "▸" : "◆" }),
          el("span", { class: "file-name", text: item.name.replace(/\.ipynb$/, "") }),
        );
        button.addEventListener("click", () => (item.type === "directory" ? void this.refresh(item.path) : this.actions.open(item.path)));
        return el("li", {}, button);
      }),
    );
    if (!shown.length) this.listing.append(el("li", { class: "file-empty", text: "No notebooks here yet." }));
    this.highlight(this.openPath);
  }
}
