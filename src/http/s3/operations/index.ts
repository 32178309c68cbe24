import type { S3OperationName } from '../resolve'
import type { S3Call, S3Handler } from '../call'
import { listBuckets } from './list-buckets'
import { createBucket } from './create-bucket'
import { deleteBucket } from './delete-bucket'
import { headBucket } from './head-bucket'
import { getBucketLocation } from './get-bucket-location'
import { getBucketVersioning, putBucketVersioning } from './bucket-versioning'
import { deleteBucketCors, getBucketCors, preflightCors, putBucketCors } from './bucket-cors'
import { listObjects, listObjectsV2 } from './list-objects'
import { listObjectVersions } from './list-object-versions'
import { putObject } from './put-object'
import { getObject } from './get-object'
import { deleteObject } from './delete-object'
import { deleteObjects } from './delete-objects'
import { copyObject } from './copy-object'
import { getObjectAttributes } from './get-object-attributes'
import {
  abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart, uploadPartCopy,
} from './multipart'
import { notImplemented } from './not-implemented'

/**
 * The closed mapping from resolved operation to handler (Health is answered before auth). Each
 * handler is typed with its own operation's call, so it sees exactly that target's fields, and an
 * operation without a handler does not compile.
 */
export type S3Operations = { [K in S3OperationName]: S3Handler<K> }

export const OPERATIONS: S3Operations = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  DeleteBucket: deleteBucket,
  HeadBucket: headBucket,
  GetBucketLocation: getBucketLocation,
  GetBucketVersioning: getBucketVersioning,
  PutBucketVersioning: putBucketVersioning,
  GetBucketCors: getBucketCors,
  PutBucketCors: putBucketCors,
  DeleteBucketCors: deleteBucketCors,
  PreflightCors: preflightCors,
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  ListObjectVersions: listObjectVersions,
  ListMultipartUploads: listMultipartUploads,
  DeleteObjects: deleteObjects,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: getObject,
  DeleteObject: deleteObject,
  CopyObject: copyObject,
  GetObjectAttributes: getObjectAttributes,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  Unsupported: notImplemented,
}

/** Runs the handler of the call's operation. */
export function runOperation<K extends S3OperationName>(c: S3Call<K>): Promise<Response> | Response {
  return OPERATIONS[c.target.op](c)
}
