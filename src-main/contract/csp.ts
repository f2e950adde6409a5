/**
 * The renderer's Content-Security-Policy, shared by the headless host (HTTP header) and the
 * Electron shell (response header on the app:// protocol). Vite emits external scripts and
 * stylesheets, so nothing inline is allowed; React sets style properties through the CSSOM,
 * which CSP does not restrict.
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
