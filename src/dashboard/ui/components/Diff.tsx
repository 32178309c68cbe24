/** A unified diff with added and removed lines marked by colour and by their +/- sign. */
export function Diff({ text, label }: { text: string; label: string }) {
  const lines = text.split('\n')
  return (
    <pre className="diff" tabIndex={0} aria-label={label}>
      {lines.map((l, i) => {
        const cls = l.startsWith('+++') || l.startsWith('---') ? 'diff-file' : l.startsWith('@@') ? 'diff-hunk' : l.startsWith('+') ? 'diff-add' : l.startsWith('-') ? 'diff-del' : undefined
        return <span key={i} className={cls}>{l}{'\n'}</span>
      })}
    </pre>
  )
}
