// Gathers the operations that arrive in one event-loop turn and runs them as one statement
// (ADR 12): PostgreSQL then pays one statement's and one commit's overhead for many requests.
// Nothing waits for a timer: at a low rate a batch holds the one request of its turn.

export interface BatchLimits {
  /** Items per statement. */
  readonly items: number
  /** Payload bytes per statement (see `size`); a larger item goes alone. */
  readonly bytes: number
}

export interface TurnBatchOptions<Item, Result> {
  /**
   * Runs one statement for `items` (distinct keys) and returns their results by key; an item
   * missing from the map resolves to undefined.
   */
  readonly run: (items: readonly Item[]) => Promise<ReadonlyMap<string, Result>>
  /** Items with the same key never share a statement: the later one waits for the next. */
  readonly key: (item: Item) => string
  readonly size?: (item: Item) => number
  readonly limits: BatchLimits
}

interface Pending<Item, Result> {
  readonly item: Item
  readonly key: string
  readonly resolve: (result: Result | undefined) => void
  readonly reject: (error: unknown) => void
}

export type Batched<Item, Result> = (item: Item) => Promise<Result | undefined>

// SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation) come from one
// item's values; anything else (a lost connection, a timeout) would fail each item alone too.
export function isItemError (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))
}

export function turnBatch<Item, Result> (options: TurnBatchOptions<Item, Result>): Batched<Item, Result> {
  const { run, key, size = () => 0, limits } = options
  let waiting: Array<Pending<Item, Result>> = []

  const settle = async (batch: ReadonlyArray<Pending<Item, Result>>): Promise<void> => {
    let results: ReadonlyMap<string, Result>
    try {
      results = await run(batch.map((p) => p.item))
    } catch (error) {
      // One bad item must not fail the others that shared its statement: each goes again alone.
      if (batch.length > 1 && isItemError(error)) {
        await Promise.all(batch.map(async (p) => { await settle([p]) }))
      } else {
        for (const p of batch) p.reject(error)
      }
      return
    }
    for (const p of batch) p.resolve(results.get(p.key))
  }

  // setImmediate runs after the turn's I/O callbacks, so every request that this turn's reads
  // brought in has queued its item; postgres.js flushes its own writes at the same point.
  const flush = (): void => {
    const all = waiting
    waiting = []
    let batch: Array<Pending<Item, Result>> = []
    let keys = new Set<string>()
    let bytes = 0
    for (const pending of all) {
      if (keys.has(pending.key)) {
        // A second operation on the same row: in one statement both would get the row's result
        // (one secret revealed twice). In separate statements PostgreSQL's row lock orders them,
        // as it always ordered two requests' statements, and the second finds the row gone.
        if (waiting.length === 0) setImmediate(flush)
        waiting.push(pending)
        continue
      }
      const itemBytes = size(pending.item)
      if (batch.length > 0 && (batch.length === limits.items || bytes + itemBytes > limits.bytes)) {
        void settle(batch)
        batch = []
        keys = new Set()
        bytes = 0
      }
      batch.push(pending)
      keys.add(pending.key)
      bytes += itemBytes
    }
    if (batch.length > 0) void settle(batch)
  }

  // The promise itself, not an async wrapper around it: one promise per item, not two.
  return (item) => new Promise<Result | undefined>((resolve, reject) => {
    if (waiting.length === 0) setImmediate(flush)
    waiting.push({ item, key: key(item), resolve, reject })
  })
}
