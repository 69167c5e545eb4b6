// The `openai` package, loaded with a dynamic import on first use, so that the kernel's start
// pays nothing for it. One promise for the whole process: every caller shares the load.

let openaiModule: Promise<typeof import("openai")> | undefined;
export function loadOpenAI(): Promise<typeof import("openai")> {
  openaiModule ??= import("openai");
  return openaiModule;
}
