import { S3Client } from '@aws-sdk/client-s3'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from './server'

/** The latest AWS SDK v3 with its default (checksum-on) behaviour, path-style. */
export function s3Client(endpoint: string, creds = { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY }, extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) {
  return new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: creds, ...extra })
}
