// Numbers as the bench's report and chart print them.

/** Grouped thousands, fixed decimals; a missing or non-finite figure is a dash. */
export const fmt = (value: number | undefined, digits = 0): string => value === undefined || !Number.isFinite(value) ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
