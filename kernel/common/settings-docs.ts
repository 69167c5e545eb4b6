// The settings' documentation, generated from their declarations (settings.ts): the paragraph
// `%luci help` ends with, and the README's settings table (rewritten by `npm run docs:settings`
// between the markers below; a test fails when the README's copy is out of date).
import { SETTING_GROUPS, SETTINGS, settingSpec, type SettingName } from "./settings.js";

export const README_START =
  "<!-- settings:start (generated from kernel/common/settings.ts by `npm run docs:settings`: edit the declarations, not this table) -->";
export const README_END = "<!-- settings:end -->";

const NAMES = Object.keys(SETTINGS).filter((name): name is SettingName => name in SETTINGS);

function namesOf(group: string): SettingName[] {
  return NAMES.filter((name) => settingSpec(name).group === group);
}

/** Words joined into lines no wider than `width`: the first line starts with `first`, the others with `indent`. */
function wrap(words: string[], first: string, indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && `${line} ${word}`.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** The settings paragraph of `%luci help`: every variable, by group. */
export function settingsHelp(width = 96): string {
  const head = "Settings: environment variables the kernel starts with (the README's settings table gives each one's type, default and values):";
  const lines = wrap(head.split(" "), "", "", width);
  for (const group of SETTING_GROUPS) {
    const names = namesOf(group).map((name, i, all) => (i < all.length - 1 ? `${name},` : name));
    lines.push(...wrap(names, `  ${group}: `, "    ", width));
  }
  return lines.join("\n");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The README's settings tables, one per group. */
export function settingsTable(): string {
  const parts: string[] = [];
  for (const group of SETTING_GROUPS) {
    parts.push(`**${group}**`, "", "| Variable | Type | Default | Values | What it sets |", "| --- | --- | --- | --- | --- |");
    for (const name of namesOf(group)) {
      const spec = settingSpec(name);
      const fallback = spec.fallback === undefined ? spec.defaultText : `\`${spec.defaultText}\``;
      const values =
        spec.type === "enum"
          ? spec.allowed
              .split(", ")
              .map((value) => `\`${value}\``)
              .join(", ")
          : spec.allowed;
      const invalid = spec.onInvalid === "warn" ? "; a bad value warns and uses the default" : "";
      parts.push(`| \`${name}\` | ${spec.type} | ${cell(fallback)} | ${cell(values + invalid)} | ${cell(spec.help)} |`);
    }
    parts.push("");
  }
  return parts.join("\n").trimEnd();
}

/** The README with its settings section (between the markers) regenerated. Throws if a marker is missing. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no settings section: it needs the lines\n${README_START}\n${README_END}`);
  return `${readme.slice(0, start + README_START.length)}\n\n${settingsTable()}\n\n${readme.slice(end)}`;
}
