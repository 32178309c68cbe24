import { AppError } from '../../errors/app-error'

/** SSE-S3 / SSE-KMS: encryption the server would manage (PutObject, CopyObject, CreateMultipartUpload). */
const MANAGED = [
  'x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-context', 'x-amz-server-side-encryption-bucket-key-enabled',
]
/** SSE-C: a key the client supplies with every write and read of the object. */
const CUSTOMER = [
  'x-amz-server-side-encryption-customer-algorithm', 'x-amz-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-key-md5',
]
/** SSE-C for the source of a copy (CopyObject, UploadPartCopy). */
const COPY_SOURCE = [
  'x-amz-copy-source-server-side-encryption-customer-algorithm', 'x-amz-copy-source-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key-md5',
]

/**
 * Server-side encryption is not implemented: a request that asks for it (or, with SSE-C, proves
 * a key to read an object) is refused with 501 NotImplemented naming the header. Ignoring the
 * headers would store the data unencrypted while the client believes it encrypted, and would
 * serve an SSE-C object to a request with any key. `accepts` names the groups the operation
 * takes on AWS; other headers are ignored there as AWS ignores them.
 */
export function refuseServerSideEncryption(h: Headers, accepts: { managed?: boolean; customer?: boolean; copySource?: boolean }) {
  const names = [...(accepts.managed ? MANAGED : []), ...(accepts.customer ? CUSTOMER : []), ...(accepts.copySource ? COPY_SOURCE : [])]
  const header = names.find((n) => h.has(n))
  if (header) {
    throw new AppError('NotImplemented', {
      message: 'Server-side encryption is not implemented by CloudStorage; the request was refused rather than storing or serving data unencrypted.',
      fields: { Header: header },
    })
  }
}
