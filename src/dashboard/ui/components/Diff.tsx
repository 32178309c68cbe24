/** A unified diff with added and removed lines marked by colour and by their +/- sign. */
export function Diff({ text, label }: { text: string; label: string }) {
  // From the file header on (the patch's Index and ==== lines say nothing here).
  const all = text.replace(/\n$/, '').split('\n')
  const start = all.findIndex((l) => l.startsWith('--- '))
  const lines = start > 0 ? all.slice(start) : all
  return (
    <pre className="diff" tabIndex={0} aria-label={label}>
      {lines.map((l, i) => {
        const cls = l.startsWith('+++') || l.startsWith('---') ? 'diff-file' : l.startsWith('@@') ? 'diff-hunk' : l.startsWith('+') ? 'diff-add' : l.startsWith('-') ? 'diff-del' : undefined
        return <span key={i} className={cls}>{l}{'\n'}</span>
      })}
    </pre>
  )
}
