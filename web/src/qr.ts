// Draws a QR code as inline SVG, encoded locally by uqr: the link never leaves the browser.
import { qrModules } from './qr-modules.ts'

const SVG = 'http://www.w3.org/2000/svg'

export function renderQr (container: Element, text: string): void {
  const modules = qrModules(text)
  const size = modules.length
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
  modules.forEach((row, y) => row.forEach((dark, x) => { if (dark) d += `M${x} ${y}h1v1h-1z` }))
  const path = document.createElementNS(SVG, 'path')
  path.setAttribute('d', d)
  path.setAttribute('fill', '#000000')
  svg.append(background, path)
  container.replaceChildren(svg)
}
