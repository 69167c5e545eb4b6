"""Stories driven by jupyter_client, as JupyterLab's server would drive the kernel: a task with
{rate=0.05}, then the same task with {rate=0.07}. Prints one JSON line per cell with the reply
status and the stdout text, for the vitest suite that runs this (with the fake model server in
its own process) to check. Usage: python drive_story.py KERNEL_NAME CELL..."""
import json
import sys

from jupyter_client.manager import start_new_kernel


def run(kc, code):
    out = []
    images = []

    def hook(msg):
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "display_data" and "image/png" in msg["content"]["data"]:
            images.append(msg["content"]["data"]["image/png"][:8])

    reply = kc.execute_interactive(code, timeout=300, output_hook=hook, allow_stdin=False)
    return {"status": reply["content"]["status"], "ename": reply["content"].get("ename"), "stdout": "".join(out), "images": len(images)}


def main(kernel_name, cells):
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=60)
    try:
        for cell in cells:
            print(json.dumps(run(kc, cell)), flush=True)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
