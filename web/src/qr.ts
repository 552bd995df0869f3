// Draws a QR code as inline SVG, encoded locally by uqr: the link never leaves the browser.
import { encode } from 'uqr'

const SVG = 'http://www.w3.org/2000/svg'
const QUIET_ZONE = 4 // modules of white border the QR standard asks for

export function renderQr (container: Element, text: string): void {
  const { data } = encode(text, { ecc: 'M', border: 0 })
  const size = data.length + QUIET_ZONE * 2
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`)
  svg.setAttribute('shape-rendering', 'crispEdges')
  svg.setAttribute('aria-hidden', 'true')
  const background = document.createElementNS(SVG, 'rect')
  background.setAttribute('width', String(size))
  background.setAttribute('height', String(size))
  background.setAttribute('fill', '#ffffff')
  // One path for all dark modules keeps the DOM small (a 43+43-character link is ~57x57 modules).
  let d = ''
  data.forEach((row, y) => row.forEach((dark, x) => { if (dark) d += `M${x + QUIET_ZONE} ${y + QUIET_ZONE}h1v1h-1z` }))
  const modules = document.createElementNS(SVG, 'path')
  modules.setAttribute('d', d)
  modules.setAttribute('fill', '#000000')
  svg.append(background, modules)
  container.replaceChildren(svg)
}
