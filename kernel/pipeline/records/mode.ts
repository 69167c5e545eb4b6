// Online or offline generation. LUCI_GENERATION=offline (CI, cron, a shared notebook run with no
// model) makes a task with no usable record an error instead of a model call. An unknown value
// is an error too: a typo must not quietly call a model in a job meant to run offline.
import { CellFailure } from "../../common/cell-failure.js";
import { setting, type SettingValue } from "../../common/settings.js";

export type GenerationMode = SettingValue<"LUCI_GENERATION">;

export class GenerationModeError extends CellFailure {
  constructor(message: string) {
    super("GenerationModeError", message);
  }
}

export function generationMode(env: NodeJS.ProcessEnv = process.env): GenerationMode {
  return setting(env, "LUCI_GENERATION", GenerationModeError);
}

/** The error a task cell ends with in offline mode when it has no record to run. */
export class NoRecordOffline extends CellFailure {
  constructor(detail?: string) {
    super(
      "NoRecordOffline",
      "LUCI_GENERATION=offline and this task has no recorded code in the notebook" +
        (detail ? ` (${detail})` : "") +
        ", so it was not run. Run the notebook once with a model (unset LUCI_GENERATION), save it, and run it offline again.",
    );
  }
}
