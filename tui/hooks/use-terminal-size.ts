import { useEffect, useState } from 'react'
import { useStdout } from 'ink'

export interface TerminalSize {
  columns: number
  /** Infinity when the stream does not know (test streams, pipes). */
  rows: number
}

function read(stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns || 80, rows: stdout.rows || Infinity }
}

/** Ink re-lays out on width changes by itself; the row count matters for the too-small notice. */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout()
  const [size, setSize] = useState(() => read(stdout))
  useEffect(() => {
    const onResize = () => setSize((prev) => {
      const next = read(stdout)
      return next.columns === prev.columns && next.rows === prev.rows ? prev : next
    })
    stdout.on('resize', onResize)
    return () => { stdout.off('resize', onResize) }
  }, [stdout])
  return size
}
