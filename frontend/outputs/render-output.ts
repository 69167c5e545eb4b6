// One output as DOM. Luci's own structured outputs come first (drawn from their JSON), then
// ipywidgets views, images, sanitised HTML, markdown (marked, then DOMPurify), JSON and plain text with ANSI
// colours. No output is ever inserted as raw HTML.
import { el } from "../dom.js";
import { objectOr } from "../model/json.js";
import type { DataOutput, Output } from "../model/notebook-model.js";
import { appendAnsi } from "./ansi.js";
import { LUCI_MIME, LUCI_STREAM_MIME, renderCode, renderPlan, renderRecord, renderStream, renderValidation } from "./luci-renderers.js";
import { markdownFragment, safeFragment } from "./sanitize.js";
import { APP_MIME, renderApp } from "./app-output.js";
import { WIDGET_VIEW_MIME, widgetHost } from "../widgets/widget-host.js";

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

export function renderOutput(output: Output): HTMLElement {
  switch (output.output_type) {
    case "stream": {
      const pre = el("pre", { class: `output output-stream output-${output.name}` });
      appendAnsi(pre, output.text);
      return pre;
    }
    case "error": {
      const box = el("div", { class: `output output-error${output.ename === "NotTrusted" ? " output-not-trusted" : ""}` });
      const pre = el("pre");
      appendAnsi(pre, output.traceback.length ? output.traceback.join("\n") : `${output.ename}: ${output.evalue}`);
      box.append(pre);
      return box;
    }
    default:
      return renderData(output);
  }
}

function renderData(output: DataOutput): HTMLElement {
  const data = output.data;
  const wrap = (child: Node, kind: string) =>
    el("div", { class: `output output-data output-${kind}${output.output_type === "execute_result" ? " output-result" : ""}` }, child);
  const json = (mime: string) => objectOr(data[mime]);
  if (data[LUCI_MIME.plan]) return wrap(renderPlan(json(LUCI_MIME.plan)), "luci");
  if (data[LUCI_MIME.code]) return wrap(renderCode(json(LUCI_MIME.code)), "luci");
  if (data[LUCI_MIME.validation]) return wrap(renderValidation(json(LUCI_MIME.validation)), "luci");
  if (data[LUCI_MIME.record]) return wrap(renderRecord(json(LUCI_MIME.record)), "luci");
  if (data[LUCI_STREAM_MIME]) return wrap(renderStream(json(LUCI_STREAM_MIME)), "luci");
  if (data[APP_MIME]) return wrap(renderApp(json(APP_MIME)), "luci");
  // An ipywidget's view: drawn by the widget code, loaded on the first one (widgets/widget-host.ts).
  if (data[WIDGET_VIEW_MIME]) return wrap(widgetHost.render(data), "widget");
  for (const mime of IMAGE_TYPES) {
    const value = data[mime];
    if (typeof value === "string") {
      const plain = data["text/plain"];
      const img = el("img", { attrs: { src: `data:${mime};base64,${value.replace(/\s+/g, "")}`, alt: typeof plain === "string" ? plain : "image" } });
      const { width, height } = objectOr(output.metadata[mime]);
      if (typeof width === "number" && width) img.width = width;
      if (typeof height === "number" && height) img.height = height;
      return wrap(img, "image");
    }
  }
  if (typeof data["image/svg+xml"] === "string") {
    // As an <img>, an SVG's scripts never run.
    const svg = data["image/svg+xml"];
    return wrap(el("img", { attrs: { src: `data:image/svg+xml;base64,${base64(svg)}`, alt: "SVG image" } }), "image");
  }
  if (typeof data["text/html"] === "string") return wrap(el("div", { class: "rendered-html" }, safeFragment(data["text/html"])), "html");
  if (typeof data["text/markdown"] === "string") return wrap(el("div", { class: "rendered-markdown" }, markdownFragment(data["text/markdown"])), "markdown");
  if (data["application/json"] !== undefined) return wrap(el("pre", { text: JSON.stringify(data["application/json"], null, 2) }), "json");
  const text = data["text/plain"];
  if (typeof text === "string") {
    const pre = el("pre");
    appendAnsi(pre, text);
    return wrap(pre, "text");
  }
  return wrap(el("pre", { class: "luci-muted", text: `[no renderer for ${Object.keys(data).join(", ") || "empty output"}]` }), "unknown");
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
