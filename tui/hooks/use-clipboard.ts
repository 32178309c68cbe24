import { useEffect, useRef } from 'react'
import { useStdout } from 'ink'

/**
 * OSC 52: the terminal puts the text on the system clipboard. It travels in the output stream,
 * so it works over SSH and inside tmux (set-clipboard on); it moves no cursor, so the frame
 * Ink drew stays intact.
 */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`
}

/** Copies when the reducer asks (a new clipboard seq). */
export function useClipboard(clipboard: { seq: number; text: string } | null) {
  const { write } = useStdout()
  const last = useRef(0)
  useEffect(() => {
    if (!clipboard || clipboard.seq <= last.current) return
    last.current = clipboard.seq
    write(osc52(clipboard.text))
  }, [clipboard, write])
}
