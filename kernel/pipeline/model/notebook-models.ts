// `%luci model ...` is remembered per notebook: the next kernel on the same notebook (after a
// restart, or under nbconvert on this machine) uses the same model. Never an API key (those stay
// in the environment).
import { NotebookState } from "../../common/notebook-state.js";
import { number, object, optional, string } from "../../common/shape.js";
import type { ModelOverrides } from "./settings.js";

type Remembered = Pick<ModelOverrides, "model" | "baseUrl" | "temperature" | "maxTokens">;

// What was remembered is checked as it is read (modelSettings checks the values again when used).
const RememberedShape = object({ model: optional(string), baseUrl: optional(string), temperature: optional(number), maxTokens: optional(number) });

const models = (env: NodeJS.ProcessEnv) => new NotebookState<Remembered>("notebook-models.json", env, RememberedShape);

export function rememberedModel(notebookPath: string | undefined, env: NodeJS.ProcessEnv = process.env): Remembered {
  return models(env).get(notebookPath);
}

export async function rememberModel(notebookPath: string, overrides: ModelOverrides, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { model, baseUrl, temperature, maxTokens } = overrides;
  await models(env).set(notebookPath, { model, baseUrl, temperature, maxTokens });
}
