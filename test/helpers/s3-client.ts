import { S3Client } from '@aws-sdk/client-s3'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from './server'

/** The latest AWS SDK v3 with its default (checksum-on) behaviour, path-style. */
export function s3Client(endpoint: string, creds = { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY }, extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) {
  return new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: creds, ...extra })
}

/** The S3 error an SDK call fails with: its code (the exception's name) and HTTP status. */
export async function sdkError(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p
  } catch (e) {
    const err = e as { name: string; $metadata?: { httpStatusCode?: number } }
    return { name: err.name, status: err.$metadata?.httpStatusCode }
  }
  throw new Error('expected the S3 call to fail')
}

/** The same as sdkError, shaped { code, status }. */
export const s3Error = async (p: Promise<unknown>) => {
  const e = await sdkError(p)
  return { code: e.name, status: e.status }
}
