// HTTP process: every function (FUNCTIONS=all) or a chosen few (FUNCTIONS=read-secret).
import { pick } from '../index.ts'
import { start } from './start.ts'

await start('http', pick, (configured) => configured)
