// Loaded into the server with --import by the bench's allocation phase, never in production.
// SIGUSR2 starts V8's sampling heap profiler with the objects garbage collection has already
// freed included, so it counts what requests allocate rather than what outlives them; the next
// SIGUSR2 stops it and writes the profile to BENCH_HEAP_PROFILE.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'

const file = process.env.BENCH_HEAP_PROFILE
if (file === undefined || file === '') throw new Error('heap-sampler.ts needs BENCH_HEAP_PROFILE (the file to write)')
// BENCH_HEAP_SURVIVORS=1 leaves out what scavenges freed: what remains reached the old generation.
const survivorsOnly = process.env.BENCH_HEAP_SURVIVORS === '1'
const session = new Session()
session.connect()
let sampling = false

process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true
    // One sample per KiB on average: ~40 samples per request at ~40 KB each.
    session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivorsOnly })
    return
  }
  sampling = false
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err !== null) throw err
    writeFileSync(file, JSON.stringify(result.profile))
  })
})
