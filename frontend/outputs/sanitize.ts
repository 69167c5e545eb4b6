// The one way model or kernel HTML reaches the page: DOMPurify, with forms, styles and
// scripts removed, links opened in a new tab without an opener. Markdown goes through marked
// first and then here. Nothing else in the page assigns innerHTML.
import DOMPurify from "dompurify";
import { Marked } from "marked";

const purify = DOMPurify(window);
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

const CONFIG = {
  USE_PROFILES: { html: true },
  // <style> would restyle the whole page; forms could post anywhere; inline style attributes
  // would be refused by a strict CSP anyway.
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "option", "iframe", "object", "embed", "link", "meta", "base"],
  FORBID_ATTR: ["style"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true as const,
};

/** Sanitised HTML as a fragment, ready to append. */
export function safeFragment(html: string): DocumentFragment {
  return purify.sanitize(html, CONFIG);
}

const marked = new Marked({ gfm: true, breaks: false });

/** Markdown rendered by marked, then sanitised. */
export function markdownFragment(markdown: string): DocumentFragment {
  return safeFragment(marked.parse(markdown, { async: false }));
}
