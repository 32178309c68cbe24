import { useId, useRef, useState } from 'react'

export interface Picked { file: File; path: string }

/** Every file under a dropped folder, with its path inside the drop (directory readers page). */
async function walk(entry: FileSystemEntry, dir: string, out: Picked[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej))
    out.push({ file, path: dir + entry.name })
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader()
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej))
      if (batch.length === 0) break
      for (const e of batch) await walk(e, `${dir}${entry.name}/`, out)
    }
  }
}

async function fromDrop(dt: DataTransfer): Promise<Picked[]> {
  const entries = [...dt.items].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() : null))
  if (entries.length > 0 && entries.every((e) => e)) {
    const out: Picked[] = []
    for (const e of entries) await walk(e!, '', out)
    return out
  }
  return [...dt.files].map((file) => ({ file, path: file.name }))
}

/**
 * Drop files or folders here, or pick them with the buttons (the keyboard way in): folders keep
 * their structure under the current prefix.
 */
export function FileDrop({ target, onFiles }: { target: string; onFiles: (files: Picked[]) => void }) {
  const [over, setOver] = useState(false)
  const files = useRef<HTMLInputElement>(null)
  const folder = useRef<HTMLInputElement>(null)
  const id = useId()
  const pick = (list: FileList | null) => {
    if (list && list.length) onFiles([...list].map((file) => ({ file, path: file.webkitRelativePath || file.name })))
  }
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; setOver(true) }}
      onDragLeave={() => setOver(false)}
      onDrop={async (e) => {
        e.preventDefault()
        setOver(false)
        onFiles(await fromDrop(e.dataTransfer))
      }}
      aria-describedby={id}
    >
      <p id={id}>Drop files or folders here to upload them to <strong>{target}</strong>.</p>
      <div className="actions center">
        <button type="button" className="btn" onClick={() => files.current?.click()}>Choose files…</button>
        <button type="button" className="btn" onClick={() => folder.current?.click()}>Choose a folder…</button>
      </div>
      <input ref={files} type="file" multiple hidden onChange={(e) => { pick(e.target.files); e.target.value = '' }} aria-label="Files to upload" />
      <input ref={folder} type="file" multiple hidden {...{ webkitdirectory: '' }} onChange={(e) => { pick(e.target.files); e.target.value = '' }} aria-label="Folder to upload" />
    </div>
  )
}
