// The memory a started Burnlink holds: the proportional set size (PSS) of each of its processes.
// PSS splits a shared page among the processes that map it, so the sum over a tree counts
// PostgreSQL's shared memory and shared libraries once, where RSS would count them per process.
import { readdirSync, realpathSync } from 'node:fs'
import { readProc, statFields } from './proc.ts'

export interface TreeMemory {
  /** MB (10^6 bytes, as the targets are stated). */
  pssMB: number
  /** By process name (npm, server, postgres, …). */
  byCommand: Record<string, { pssMB: number, processes: number }>
}

const pids = (): number[] => readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number)

/** The roots and all their descendants, from each process's parent in /proc. */
export function descendants (roots: readonly number[]): number[] {
  const children = new Map<number, number[]>()
  for (const pid of pids()) {
    const ppid = Number(statFields(pid)?.[1])
    children.set(ppid, [...(children.get(ppid) ?? []), pid])
  }
  const found = new Set<number>()
  const queue = [...roots]
  while (queue.length > 0) {
    const pid = queue.shift() as number
    if (found.has(pid)) continue
    found.add(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return [...found]
}

/**
 * The processes working in `dir` or below it, as every process of a PostgreSQL cluster works in
 * its data directory. A postmaster started through pg_ctl is no child of the server that started
 * it: this finds it and its children all the same.
 */
export function processesIn (dir: string): number[] {
  let target: string
  try {
    target = realpathSync(dir)
  } catch {
    return []
  }
  return pids().filter((pid) => {
    try {
      const cwd = realpathSync(`/proc/${pid}/cwd`)
      return cwd === target || cwd.startsWith(`${target}/`)
    } catch {
      return false // gone, or not ours to read
    }
  })
}

/** The postmasters among them: those whose parent is not one of them. */
export function postmasters (dir: string): number[] {
  const cluster = processesIn(dir)
  return cluster.filter((pid) => !cluster.includes(Number(statFields(pid)?.[1])))
}

/** PSS of `root`'s tree and of every process working under `dataDir`; `named` names pids. */
export function treeMemory (root: number, dataDir: string, named: Readonly<Record<number, string>> = {}): TreeMemory {
  const memory: TreeMemory = { pssMB: 0, byCommand: {} }
  for (const pid of descendants([root, ...processesIn(dataDir)])) {
    const kib = Number(/^Pss:\s+(\d+) kB/m.exec(readProc(`${pid}/smaps_rollup`) ?? '')?.[1])
    if (!Number.isFinite(kib)) continue // gone, or not ours to read
    const name = named[pid] ?? readProc(`${pid}/comm`)?.trim() ?? '?'
    const mb = kib * 1024 / 1e6
    const entry = memory.byCommand[name] ?? { pssMB: 0, processes: 0 }
    memory.byCommand[name] = { pssMB: entry.pssMB + mb, processes: entry.processes + 1 }
    memory.pssMB += mb
  }
  return memory
}

/** "(server 80, postgres 50 in 13, npm 23)": where the memory is. */
export function breakdown (m: TreeMemory): string {
  const parts = Object.entries(m.byCommand).filter(([, c]) => c.pssMB >= 0.5).sort(([, a], [, b]) => b.pssMB - a.pssMB)
  return `(${parts.map(([name, c]) => `${name} ${c.pssMB.toFixed(0)}${c.processes > 1 ? ` in ${c.processes}` : ''}`).join(', ')})`
}
