/** XML text/attribute escaping; also strips characters XML 1.0 cannot carry at all. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => {
    switch (c) {
      case '&': return '&amp;'
      case '<': return '&lt;'
      case '>': return '&gt;'
      case '"': return '&quot;'
      case "'": return '&apos;'
      // NUL cannot appear in XML 1.0 even as a reference (no key can hold one any more; this
      // only echoes a refused request): the replacement character keeps the document parseable.
      case '\u0000': return '\ufffd'
      default: return `&#x${c.charCodeAt(0).toString(16)};`
    }
  })
}
