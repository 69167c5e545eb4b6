// Recorded generations ("pins") and the trust that guards them. See record.ts for the record,
// notebook-records.ts for finding a cell's record, trust.ts for signing and trusting,
// parameters.ts for `{name=value}`, diff.ts for `%luci regenerate`, mode.ts for offline runs.
export { canonicalJson, sha256Hex, type JsonValue } from "./json.js";
export { codeDiff, type DiffOptions } from "./diff.js";
export { generationMode, GenerationModeError, NoRecordOffline, type GenerationMode } from "./mode.js";
export {
  findInNotebook,
  normaliseSource,
  NotebookReader,
  readNotebookRecords,
  RecordStore,
  type FoundRecord,
  type MatchedBy,
  type NotebookCell,
  type NotebookRecords,
  type RecordQuery,
} from "./notebook-records.js";
export {
  literalAssignments,
  normaliseText,
  parameterAssignments,
  parameterValues,
  parseParameters,
  parsePythonLiteral,
  pythonLiteral,
  taskKey,
  withoutRestatedParameters,
  type ParameterProblem,
  type ParsedParameters,
  type TaskParameter,
} from "./parameters.js";
export {
  checkRecord,
  contextHash,
  defaultAuthor,
  newRecord,
  publicEndpoint,
  RECORD_MIME,
  RECORD_VERSION,
  recordDigest,
  recordDisplay,
  recordSummary,
  signedText,
  type LuciRecord,
  type NewRecord,
  type RecordCheck,
  type UnsignedRecord,
} from "./record.js";
export { defaultTrustStore, signRecord, trustDir, trustNotebook, TrustStore, verifyRecord, type TrustVerdict } from "./trust.js";
