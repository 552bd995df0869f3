// Numbers as the bench's report and chart print them.
import type { Spread } from './stats.ts'

/** Grouped thousands, fixed decimals; a missing or non-finite figure is a dash. */
export const fmt = (value: number | undefined, digits = 0): string => value === undefined || !Number.isFinite(value) ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** "median (min–max)" of a spread over rounds. */
export const range = (s: Spread | undefined, digits = 0): string => s === undefined ? '–' : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
/** Milliseconds with the precision that means something: 0.84, 8.4, 84, 840. */
export const ms = (value: number | undefined): string => value === undefined || !Number.isFinite(value) ? '–' : fmt(value, value < 10 ? 2 : value < 100 ? 1 : 0)
export const msRange = (s: Spread | undefined): string => s === undefined ? '–' : `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`

/** MB (10^6 bytes, as the targets are stated) per MiB (2^20 bytes, as /proc counts). */
export const MB_PER_MIB = 1.048576
