// Worker process: runs the scheduled jobs (pg-boss) and serves only /healthz and /readyz.
import { pick } from '../index.ts'
import { start } from './start.ts'

await start('worker', () => pick('health'), () => true)
