import { useKeyMissing } from '../lib/presign'
import { href } from '../lib/router'
import { Notice } from './Notice'

/**
 * Shown on every page once the account is known to have no access key: the dashboard's uploads,
 * previews and presigned links are S3 URLs signed with one, so they all fail until a key exists.
 * One notice here instead of each of them explaining it.
 */
export function KeyNotice() {
  if (!useKeyMissing()) return null
  return (
    <Notice kind="warn">
      This account has no access key. Uploads, file previews and presigned links are signed with one of your access keys: <a href={href('keys')}>create a key on the Access keys page</a>.
    </Notice>
  )
}
