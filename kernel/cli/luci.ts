#!/usr/bin/env node
// The `luci` command. Each subcommand's module is loaded only when used, so that
// `luci kernel` starts without loading what it does not need.

const USAGE = `Usage: luci <command> [options]

Commands:
  kernel -f CONNECTION_FILE        run the kernel (Jupyter starts this through the kernelspec)
  install [--user | --sys-prefix | --prefix DIR] [--python PYTHON] [--no-uv]
                                   install the kernelspec "luci" where Jupyter finds it (default --user);
                                   PYTHON is what notebook environments are made from; uv is found
                                   or installed unless --no-uv
  uninstall [--user | --sys-prefix | --prefix DIR]
                                   remove it
  env list | show | rm | gc | freeze | export | import
                                   manage notebook environments (luci env help)
  trust NOTEBOOK...                 trust the recorded code of notebooks someone else made
  model pull [NAME] | list | rm NAME | serve
                                   Luci's own model: download, list, remove, serve (luci model help)
  serve [--root DIR] [--port N] [--token T] [--ip IP] [--cull-idle-timeout S]
                                   serve a folder of notebooks (Luci's page and Jupyter's REST API)
  version                          print Luci's version
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "kernel":
      return (await import("./kernel-command.js")).runKernel(rest);
    case "install":
    case "uninstall":
      return (await import("./kernelspec-command.js")).runKernelspecCommand(command, rest);
    case "env":
      return (await import("./env-command.js")).runEnvCommand(rest);
    case "trust":
      return (await import("./trust-command.js")).runTrustCommand(rest);
    case "serve":
      return (await import("../../server/serve-command.js")).runServe(rest);
    case "model":
      return (await import("./model-command.js")).runModelCommand(rest);
    case "version":
    case "--version":
      process.stdout.write(`${(await import("../common/version.js")).VERSION}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`luci: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== "kernel") process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`luci: ${err.message}\n`);
    process.exitCode = 1;
  },
);
