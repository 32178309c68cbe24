import { useSession } from '../session'
import { CopyField } from './CopyButton'
import { Snippets } from './Snippets'

/** A key pair just created: both halves with copy buttons, and client setup snippets. */
export function NewKey({ accessKey, secretKey }: { accessKey: string; secretKey: string }) {
  const { config } = useSession()
  return (
    <div className="new-key">
      <CopyField label="Access key" value={accessKey} />
      <CopyField label="Secret key" value={secretKey} secret />
      <p className="muted">The secret is shown only now. Store it in your password manager or client configuration.</p>
      {config ? <Snippets accessKey={accessKey} secretKey={secretKey} s3Url={config.s3Url} region={config.region} /> : null}
    </div>
  )
}
