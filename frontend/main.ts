// The page's entry point: the token from the address (kept in sessionStorage), the services,
// the app.
import { App } from "./app.js";
import { connect } from "./services.js";
import { takeToken } from "./token.js";

const app = new App(connect(takeToken()));
app.mount(document.getElementById("app")!);
void app.start();
