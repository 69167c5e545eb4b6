// The fake OpenAI-compatible model server, the test suite's one stand-in: see fake-model/.
export { startFakeModelServer, NO_SCENARIO_MESSAGE } from "./fake-model/server.js";
export * from "./fake-model/answers.js";
export type * from "./fake-model/types.js";
export { lastMessageText, messageText } from "./fake-model/messages.js";
