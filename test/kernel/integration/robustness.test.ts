// 1,000 malformed frame lists on shell and control: the kernel acts on none of them (no
// reply, no iopub message), logs them, and answers a normal execute afterwards.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELIMITER } from "../../../kernel/protocol/wire.js";
import { sleep, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

let kernel: StartedKernel;
beforeAll(async () => {
  kernel = await startKernel();
});
afterAll(async () => {
  await kernel?.stop();
});

/** Builds malformed frame lists of every kind; each would run code if the kernel acted on it. */
function malformed(i: number): Buffer[] {
  const c = kernel.client;
  const code = `acted_on_${i} = True; print('ACTED ${i}')`;
  const valid = () => c.session.frames(c.session.request("execute_request", { code, silent: false }));
  const header = (msgType: string) => Buffer.from(JSON.stringify(c.session.header(msgType)));
  const signedWith = (parts: Buffer[]) => c.session.sign(parts);
  switch (i % 10) {
    case 0: {
      // bad signature
      const f = valid();
      f[1] = Buffer.from("f".repeat(64));
      return f;
    }
    case 1: {
      // no signature
      const f = valid();
      f[1] = Buffer.alloc(0);
      return f;
    }
    case 2: // broken JSON, correctly signed
      return signedWith([header("execute_request"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from(`{"code": "${code}"`)]);
    case 3: // header without msg_type, signed
      return signedWith([
        Buffer.from(JSON.stringify({ msg_id: randomUUID(), session: "s" })),
        Buffer.from("{}"),
        Buffer.from("{}"),
        Buffer.from(JSON.stringify({ code })),
      ]);
    case 4: // unknown msg_type, signed
      return signedWith([header(`no_such_request_${i}`), Buffer.from("{}"), Buffer.from("{}"), Buffer.from(JSON.stringify({ code }))]);
    case 5: {
      // huge content with a bad signature
      const f = valid();
      f[5] = Buffer.from(JSON.stringify({ code, pad: "x".repeat(2_000_000) }));
      return f;
    }
    case 6: // wrong frame count: delimiter and signature only
      return valid().slice(0, 3);
    case 7: // no delimiter at all
      return valid().filter((f) => !f.equals(DELIMITER));
    case 8: {
      // a replay of a message that was already received once? (a fresh message, then its exact copy)
      const f = valid();
      f[5] = Buffer.from(JSON.stringify({ code: "x" }).slice(0, 5)); // tampered content, old signature
      return f;
    }
    default: // header is JSON but not an object, signed
      return signedWith([Buffer.from("[1,2,3]"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from(JSON.stringify({ code }))]);
  }
}

describe("protocol robustness", () => {
  it("drops 1,000 malformed messages on shell and control, and still executes normally", async () => {
    const c = kernel.client;
    const before = c.allIopub.length;
    for (let i = 0; i < 1000; i++) {
      await c.sendFrames(i % 2 === 0 ? "shell" : "control", malformed(i));
    }
    await sleep(500);
    const { reply, iopub } = await c.execute("print('still here'); [k for k in globals() if k.startswith('acted_on_')]");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("still here\n");
    const result = iopub.find((m) => m.header.msg_type === "execute_result")!;
    expect(result.content.data).toMatchObject({ "text/plain": "[]" });
    // Nothing was published for the malformed messages: only this execute's own messages arrived.
    const others = c.allIopub.slice(before).filter((m) => m.parent_header.msg_id !== reply.parent_header.msg_id);
    expect(others).toEqual([]);
    expect(kernel.log()).toMatch(/dropped message/);
  });

  it("refuses a replayed message: a captured execute_request sent again does not run twice", async () => {
    const c = kernel.client;
    const request = c.session.request("execute_request", { code: "replay_count = globals().get('replay_count', 0) + 1" });
    const frames = c.session.frames(request);
    await c.sendFrames("shell", frames);
    await c.waitForIdle(request.header.msg_id);
    await c.sendFrames("shell", frames);
    await sleep(300);
    const { iopub } = await c.execute("replay_count");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")!.content.data).toMatchObject({ "text/plain": "1" });
  });
});
