// The QR code of a link as modules, encoded locally by uqr: the web app draws them as SVG (qr.ts),
// the CLI on a terminal (cli/qr.ts).
import { encode } from 'uqr'

const QUIET_ZONE = 4 // modules of white border the QR standard asks for

/** The code's modules (true = dark), the quiet zone included: what both renderers draw. */
export function qrModules (text: string): boolean[][] {
  const { data } = encode(text, { ecc: 'M', border: 0 })
  const size = data.length + QUIET_ZONE * 2
  const blank = (length: number): boolean[] => new Array<boolean>(length).fill(false)
  const rows = Array.from({ length: QUIET_ZONE }, () => blank(size))
  for (const row of data) rows.push([...blank(QUIET_ZONE), ...row, ...blank(QUIET_ZONE)])
  rows.push(...Array.from({ length: QUIET_ZONE }, () => blank(size)))
  return rows
}
