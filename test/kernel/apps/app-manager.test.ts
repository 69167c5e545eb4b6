// The line an app's failure leads with: the exception that ends the last traceback in its output.
import { describe, expect, it } from "vitest";
import { lastException } from "../../../kernel/apps/app-manager.js";

describe("lastException", () => {
  it("finds the exception under http.server's frames, not a line of the frames", () => {
    const output = [
      "Serving on ('127.0.0.1', 39903)",
      "----------------------------------------",
      "Exception occurred during processing of request from ('127.0.0.1', 53270)",
      "Traceback (most recent call last):",
      '  File "/usr/lib/python3.11/socketserver.py", line 317, in _handle_request_noblock',
      "    self.process_request(request, client_address)",
      '  File "/tmp/app.py", line 15, in do_GET',
      "    reader = csv.reader(f)",
      "             ^^^",
      "NameError: name 'csv' is not defined",
      "----------------------------------------",
    ];
    expect(lastException(output)).toBe("NameError: name 'csv' is not defined");
  });

  it("takes the last traceback, and dotted names and exceptions without a message", () => {
    const output = [
      "Traceback (most recent call last):",
      "ValueError: an earlier one",
      "Traceback (most recent call last):",
      '  File "app.py", line 3, in <module>',
      "http.client.RemoteDisconnected: Remote end closed connection without response",
    ];
    expect(lastException(output)).toBe("http.client.RemoteDisconnected: Remote end closed connection without response");
    expect(lastException(["Traceback (most recent call last):", '  File "app.py", line 1', "KeyboardInterrupt"])).toBe("KeyboardInterrupt");
  });

  it("says nothing when there is no traceback", () => {
    expect(lastException(["serving on 8000", "Error: port in use"])).toBeUndefined();
    expect(lastException([])).toBeUndefined();
  });
});
