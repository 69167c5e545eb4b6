// The server prints a URL with ?token=…; the page keeps the token in sessionStorage (this tab
// only) and takes it out of the address bar, so it is not left in history or screenshots.
const KEY = "luci-token";

export function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl);
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url.pathname + (url.search === "?" ? "" : url.search) + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(KEY) ?? "";
}
