// Numbers as the report, the targets and the chart print them.
import type { Spread } from './stats.ts'

/** Grouped thousands, fixed decimals; a missing or non-finite figure is a dash. */
export const fmt = (value: number | undefined, digits = 0): string => value === undefined || !Number.isFinite(value) ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
/** "median (min–max)" of a spread over rounds; the median alone when there was one round. */
export const range = (s: Spread | undefined, digits = 0): string => s === undefined ? '–' : s.min === s.max ? fmt(s.median, digits) : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
/** Milliseconds with the precision that means something: 0.84, 8.4, 84, 840. */
export const ms = (value: number | undefined): string => value === undefined || !Number.isFinite(value) ? '–' : fmt(value, value < 10 ? 2 : value < 100 ? 1 : 0)
export const msRange = (s: Spread | undefined): string => s === undefined ? '–' : s.min === s.max ? ms(s.median) : `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`
