import { useId, useState } from 'react'
import { CopyButton } from './CopyButton'

export interface ClientSettings {
  accessKey: string
  /** Known only right after the key was created. */
  secretKey: string | null
  s3Url: string
  region: string
}

/** Ready-to-paste setup for the AWS CLI, boto3 and rclone with these credentials. */
export function snippets(c: ClientSettings): Array<{ id: string; name: string; code: string }> {
  const sk = c.secretKey ?? 'YOUR_SECRET_KEY'
  return [
    {
      id: 'aws', name: 'AWS CLI',
      code: [
        `aws configure set aws_access_key_id ${c.accessKey} --profile cloudstorage`,
        `aws configure set aws_secret_access_key ${sk} --profile cloudstorage`,
        `aws configure set region ${c.region} --profile cloudstorage`,
        `aws --profile cloudstorage --endpoint-url ${c.s3Url} s3 ls`,
      ].join('\n'),
    },
    {
      id: 'boto3', name: 'boto3',
      code: [
        'import boto3',
        '',
        's3 = boto3.client(',
        '    "s3",',
        `    endpoint_url="${c.s3Url}",`,
        `    region_name="${c.region}",`,
        `    aws_access_key_id="${c.accessKey}",`,
        `    aws_secret_access_key="${sk}",`,
        ')',
        'print([b["Name"] for b in s3.list_buckets()["Buckets"]])',
      ].join('\n'),
    },
    {
      id: 'rclone', name: 'rclone',
      code: [
        '# ~/.config/rclone/rclone.conf',
        '[cloudstorage]',
        'type = s3',
        'provider = Other',
        `access_key_id = ${c.accessKey}`,
        `secret_access_key = ${sk}`,
        `endpoint = ${c.s3Url}`,
        `region = ${c.region}`,
        '',
        '# then: rclone lsd cloudstorage:',
      ].join('\n'),
    },
  ]
}

/** The snippets as tabs (arrow keys move between tabs, as the ARIA tabs pattern has it). */
export function Snippets(props: ClientSettings) {
  const all = snippets(props)
  const [active, setActive] = useState(0)
  const base = useId()
  const focusTab = (i: number) => {
    const n = (i + all.length) % all.length
    setActive(n)
    document.getElementById(`${base}-tab-${n}`)?.focus()
  }
  return (
    <div className="snippets">
      <div role="tablist" aria-label="Client setup">
        {all.map((s, i) => (
          <button
            key={s.id} id={`${base}-tab-${i}`} role="tab" type="button" aria-selected={i === active} aria-controls={`${base}-panel-${i}`} tabIndex={i === active ? 0 : -1}
            className="tab" onClick={() => setActive(i)}
            onKeyDown={(e) => { if (e.key === 'ArrowRight') focusTab(i + 1); else if (e.key === 'ArrowLeft') focusTab(i - 1) }}
          >{s.name}</button>
        ))}
      </div>
      {all.map((s, i) => (
        <div key={s.id} id={`${base}-panel-${i}`} role="tabpanel" aria-labelledby={`${base}-tab-${i}`} hidden={i !== active} className="tabpanel">
          <pre tabIndex={0}><code>{s.code}</code></pre>
          <CopyButton text={s.code} what={`the ${s.name} snippet`} />
        </div>
      ))}
    </div>
  )
}
