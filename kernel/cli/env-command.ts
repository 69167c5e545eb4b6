// `luci env ...`: placeholder until the command lands (see the helper's work).
export async function runEnvCommand(_args: string[]): Promise<number> {
  process.stderr.write("luci env: not available yet\n");
  return 2;
}
