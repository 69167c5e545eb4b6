// Markdown to HTML for the rich outputs of a task cell, safe to show although the model wrote
// part of the text: raw HTML in the markdown is escaped, not passed through; links keep only
// http(s) and mailto targets; images become their alt text. marked does the rendering.
import type { Marked as MarkedType, Tokens } from "marked";
import { escapeHtml } from "../common/html.js";

export type HtmlRenderer = (markdown: string) => string;

let renderer: Promise<HtmlRenderer> | undefined;

/** Loads marked on first use (task cells only), then renders synchronously. */
export function safeHtmlRenderer(): Promise<HtmlRenderer> {
  renderer ??= import("marked").then(({ Marked }) => {
    const marked: MarkedType = new Marked({
      gfm: true,
      renderer: {
        html: (token: Tokens.HTML | Tokens.Tag) => escapeHtml(token.text),
        link(token: Tokens.Link) {
          const text = this.parser.parseInline(token.tokens);
          return /^(https?:|mailto:)/i.test(token.href) ? `<a href="${escapeHtml(token.href)}" rel="noopener noreferrer" target="_blank">${text}</a>` : text;
        },
        image: (token: Tokens.Image) => escapeHtml(token.text),
      },
    });
    return (markdown: string) => marked.parse(markdown, { async: false });
  });
  return renderer;
}
