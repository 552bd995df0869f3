// A --cpu-prof profile of the server under the mixed workload, reduced to self time by function
// and by package/file: where Node's CPU per request goes.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { SHARED_POSTGRES } from './database.ts'
import { runLoad } from './load.ts'
import type { BenchOptions } from './options.ts'
import type { HotSpot, ProfileResult } from './results.ts'
import { startSubject } from './subject.ts'

interface CpuProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number, children?: number[] }
interface CpuProfile { nodes: CpuProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

export async function measureProfile (options: BenchOptions, env: Record<string, string>, log: (line: string) => void): Promise<ProfileResult> {
  const dir = resolve(options.outDir, 'profile')
  mkdirSync(dir, { recursive: true })
  const subject = await startSubject({ endpoint: SHARED_POSTGRES, env, connections: options.connections, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
  try {
    const seconds = options.measureSeconds + options.warmupSeconds
    const keysFile = join(options.outDir, 'keys-profile.txt')
    // Mixed at a generous rate estimate: half the requests need a key.
    const amount = Math.round(4000 * seconds)
    await subject.seed(amount, keysFile)
    const result = await runLoad({ url: subject.server.url, workload: 'mixed', connections: options.connections, warmup: {}, measure: { amount }, keysFile }, subject.target)
    log(`  profiled ${result.ok} requests (${result.okPerSecond.toFixed(0)}/s, statuses ${JSON.stringify(result.statuses)})`)
  } finally {
    await subject.stop() // the profile is written when the server exits
  }
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error(`no .cpuprofile written to ${dir}`)
  const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile)
  for (const spot of summary.byFunction.slice(0, 10)) log(`  ${(spot.share * 100).toFixed(1)}% ${spot.name} ${spot.where}`)
  return { workload: 'mixed', file: join(dir, file), ...summary }
}

/** Self time per function and per package (or project file), largest first. */
export function summarizeProfile (profile: CpuProfile): Omit<ProfileResult, 'workload' | 'file'> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
  // Native and node: frames say little on their own: name the nearest caller in a package or
  // project file ("writeBuffer via postgres/src/connection.js").
  const originUrl = (id: number): string => {
    for (let cur = parentOf.get(id); cur !== undefined; cur = parentOf.get(cur)) {
      const url = byId.get(cur)?.callFrame.url ?? ''
      if (url !== '' && !url.startsWith('node:')) return url
    }
    return ''
  }
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => { selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)) })
  const fn = new Map<string, { us: number, name: string, where: string, via: Map<string, number> }>()
  const pkg = new Map<string, number>()
  let total = 0
  for (const [id, us] of selfUs) {
    const node = byId.get(id)
    // Idle time is the event loop waiting (for PostgreSQL, mostly): not CPU.
    if (node === undefined || node.callFrame.functionName === '(idle)') continue
    total += us
    const { functionName, url, lineNumber } = node.callFrame
    const name = functionName === '' ? (url === '' ? node.callFrame.functionName || '(native)' : '(anonymous)') : functionName
    const where = url === '' ? '' : `${shortUrl(url)}:${lineNumber + 1}`
    const key = `${name}@${where}`
    const entry = fn.get(key) ?? { us: 0, name, where, via: new Map<string, number>() }
    entry.us += us
    let group = packageOf(url, name)
    if ((url === '' && !name.startsWith('(')) || url.startsWith('node:')) {
      const caller = originUrl(id)
      entry.via.set(shortUrl(caller), (entry.via.get(shortUrl(caller)) ?? 0) + us)
      // Node's own and native work is charged to the package that asked for it.
      if (caller !== '') group = `${packageOf(caller, '')} (in Node/native code)`
    }
    fn.set(key, entry)
    pkg.set(group, (pkg.get(group) ?? 0) + us)
  }
  const spot = (us: number, name: string, where: string): HotSpot => ({ selfMs: Math.round(us / 100) / 10, share: Math.round(us / total * 1000) / 1000, name, where })
  const mainCaller = (via: Map<string, number>): string => {
    const [best] = [...via.entries()].filter(([caller]) => caller !== '').sort((a, b) => b[1] - a[1])
    return best === undefined ? '' : ` via ${best[0]}`
  }
  return {
    totalMs: Math.round(total / 1000),
    byFunction: [...fn.values()].sort((a, b) => b.us - a.us).slice(0, 25).map((e) => spot(e.us, e.name, `${e.where}${mainCaller(e.via)}`.trim())),
    byPackage: [...pkg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, us]) => spot(us, name, ''))
  }
}

export function shortUrl (url: string): string {
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length)
  const project = url.indexOf('/functions/')
  if (project >= 0) return url.slice(project + 1)
  return url.replace(/^file:\/\//, '')
}

/** Groups by npm package, project file, Node internals, or V8's pseudo-frames ((garbage collector), (program), (idle)). */
export function packageOf (url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/')
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : rest[0] ?? url
  }
  if (url.startsWith('node:')) return 'node internals'
  return shortUrl(url)
}
