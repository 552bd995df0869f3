// The link as a QR code on a terminal: the web app's modules, two rows per line in half blocks.
import { qrModules } from '../web/src/qr-modules.ts'

// Black on bright white whatever the terminal's theme: phones read dark modules on a light ground.
const COLOURS = '\u001b[30;107m'
const RESET = '\u001b[0m'

export function terminalQr (text: string): string {
  const rows = qrModules(text)
  const lines: string[] = []
  for (let y = 0; y < rows.length; y += 2) {
    const top = rows[y] ?? []
    const bottom = rows[y + 1] ?? []
    let line = ''
    for (let x = 0; x < top.length; x++) {
      const upper = top[x] === true
      const lower = bottom[x] === true
      line += upper ? (lower ? '█' : '▀') : (lower ? '▄' : ' ')
    }
    lines.push(COLOURS + line + RESET)
  }
  return lines.join('\n') + '\n'
}
