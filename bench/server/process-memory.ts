// Memory of a process tree from /proc (Linux), as bench/memory.py measures it: VmRSS summed
// over the kernel and its descendants (the Python worker), and PSS (shared pages counted once
// across all processes that map them, so 20 kernels' shared Node and Python code is split
// between them rather than counted 20 times).
import { readdirSync, readFileSync } from "node:fs";

function childrenMap(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = kids.get(ppid) ?? [];
    list.push(Number(name));
    kids.set(ppid, list);
  }
  return kids;
}

function processTree(pid: number, kids = childrenMap()): number[] {
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(kids.get(p) ?? []));
  }
  return out;
}

function kib(path: string, key: string): number | null {
  try {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (line.startsWith(`${key}:`)) return Number(line.split(/\s+/)[1]);
    }
  } catch {
    /* gone, or not readable */
  }
  return null;
}

/** RSS and PSS in MiB of each tree (PSS null where /proc/PID/smaps_rollup is unreadable). */
export function treeMemory(pids: number[]): { pids: number[]; rssMiB: number; pssMiB: number | null }[] {
  const kids = childrenMap();
  return pids.map((pid) => {
    const tree = processTree(pid, kids);
    let rss = 0;
    let pss: number | null = 0;
    for (const p of tree) {
      rss += kib(`/proc/${p}/status`, "VmRSS") ?? 0;
      const value = kib(`/proc/${p}/smaps_rollup`, "Pss");
      pss = value === null || pss === null ? null : pss + value;
    }
    return { pids: tree, rssMiB: rss / 1024, pssMiB: pss === null ? null : pss / 1024 };
  });
}
