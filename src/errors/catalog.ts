/**
 * The one error catalog. Every error any surface can return is declared here with its HTTP
 * status and a default message. S3 renders these as XML, JSON surfaces as
 * `{ error: { code, message, requestId } }`. Codes are AWS's names where AWS has one. Only codes
 * something throws are listed (test/unit/error-catalog.test.ts keeps it so).
 */
export const ERROR_CATALOG = {
  // 400
  AuthorizationHeaderMalformed: [400, 'The authorization header is malformed.'],
  AuthorizationQueryParametersError: [400, 'Error parsing the X-Amz-Credential parameter.'],
  BadDigest: [400, 'The Content-MD5 or checksum you specified did not match what was received.'],
  BadRequest: [400, 'The request is malformed.'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed object size.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed object size.'],
  IllegalLocationConstraintException: [400, 'The specified location-constraint is not valid for this endpoint.'],
  IllegalVersioningConfigurationException: [400, 'The versioning configuration specified in the request is invalid.'],
  IncompleteBody: [400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'],
  InvalidAccessKeyId: [403, 'The AWS access key ID you provided does not exist in our records.'],
  InvalidArgument: [400, 'Invalid argument.'],
  InvalidBucketName: [400, 'The specified bucket is not valid.'],
  InvalidDigest: [400, 'The Content-MD5 or checksum you specified is not valid.'],
  InvalidLocationConstraint: [400, 'The specified location constraint is not valid.'],
  InvalidPart: [400, 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.'],
  InvalidPartNumber: [416, 'The requested partnumber is not satisfiable.'],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'],
  InvalidRequest: [400, 'Invalid request.'],
  InvalidURI: [400, 'Couldn\'t parse the specified URI.'],
  KeyTooLongError: [400, 'Your key is too long.'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema.'],
  MaxMessageLengthExceeded: [400, 'Your request was too big.'],
  MetadataTooLarge: [400, 'Your metadata headers exceed the maximum allowed metadata size.'],
  MissingContentLength: [411, 'You must provide the Content-Length HTTP header.'],
  XAmzContentSHA256Mismatch: [400, 'The provided \'x-amz-content-sha256\' header does not match what was computed.'],
  InvalidChunkSizeError: [400, 'Only the last chunk is allowed to have a size less than 8192 bytes.'],
  RequestTimeout: [400, 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the server\'s time is too large.'],
  // 401 (JSON surfaces)
  Unauthorized: [401, 'Authentication is required.'],
  // 403
  AccessDenied: [403, 'Access Denied'],
  AccessForbidden: [403, 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
  QuotaExceeded: [403, 'Upload would exceed your plan\'s storage quota. Upgrade your plan or delete existing data.'],
  AccountSuspended: [403, 'This account is suspended.'],
  CsrfFailed: [403, 'Cross-site request rejected: missing or invalid CSRF token or Origin.'],
  // 404
  NoSuchBucket: [404, 'The specified bucket does not exist.'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchUpload: [404, 'The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.'],
  NoSuchVersion: [404, 'The specified version does not exist.'],
  NoSuchCORSConfiguration: [404, 'The CORS configuration does not exist.'],
  NoSuchAccount: [404, 'The specified account does not exist.'],
  NoSuchAccessKey: [404, 'The specified access key does not exist.'],
  NotFound: [404, 'Not Found'],
  // 405
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  // 410 (share links that ended)
  Gone: [410, 'This link is no longer available.'],
  // 409
  BucketAlreadyExists: [409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.'],
  BucketAlreadyOwnedByYou: [409, 'The bucket you tried to create already exists, and you own it.'],
  BucketNotEmpty: [409, 'The bucket you tried to delete is not empty.'],
  ConditionalRequestConflict: [409, 'The conditional request cannot succeed due to a conflicting operation against this resource.'],
  AccountAlreadyExists: [409, 'An account with this email already exists.'],
  TooManyAccessKeys: [409, 'This account already has the maximum number of access keys.'],
  // 411/412/413/416
  PreconditionFailed: [412, 'At least one of the pre-conditions you specified did not hold.'],
  RequestEntityTooLarge: [413, 'The request body is too large.'],
  InvalidRange: [416, 'The requested range is not satisfiable.'],
  // 400 with S3's name for bucket count
  TooManyBuckets: [400, 'You have attempted to create more buckets than allowed.'],
  // 429
  TooManyRequests: [429, 'Rate limit exceeded. Retry after the duration in the Retry-After header.'],
  // 5xx
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented.'],
  ServiceUnavailable: [503, 'The service is unavailable. Please retry.'],
  SlowDown: [503, 'Please reduce your request rate.'],
  InsufficientStorage: [507, 'The server has insufficient storage to complete the request. Delete data or add disk space.'],
  // JSON-surface validation
  ValidationError: [400, 'The request is invalid.'],
  InvalidJSON: [400, 'The request body is not valid JSON.'],
  UnsupportedMediaType: [415, 'The request content type is not supported here.'],
  WeakPassword: [400, 'The password must be at least 10 characters long.'],
  InvalidEmail: [400, 'The email address is not valid.'],
  InvalidCredentials: [401, 'The email or password is incorrect.'],
  SignupClosed: [403, 'Sign-up is closed on this appliance; ask the administrator for an account.'],
  ImageTooLarge: [413, 'The source image exceeds the size or pixel limits for transformations.'],
  UnsupportedImage: [415, 'The object is not an image format that can be transformed (JPEG, PNG, WebP, GIF, AVIF, TIFF).'],
  ImageBusy: [503, 'Too many image transformations are queued; retry shortly.'],
  ImageUnavailable: [503, 'Image transformations are unavailable: the image library failed to load on this machine.'],
} as const satisfies Record<string, readonly [number, string]>

export type ErrorCode = keyof typeof ERROR_CATALOG

export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOG[code][0]
}

export function defaultMessage(code: ErrorCode): string {
  return ERROR_CATALOG[code][1]
}
