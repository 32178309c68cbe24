"""boto3 flows for test/versioning/boto3-versioned.test.ts.

Usage: python3 boto3_flows.py <flow> <bucket> [args…]; endpoint and credentials come from
CS_ENDPOINT, CS_ACCESS_KEY, CS_SECRET_KEY, CS_REGION. Prints one JSON document of what the
client observed; the TypeScript test asserts on it.
"""
import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["CS_ENDPOINT"],
    aws_access_key_id=os.environ["CS_ACCESS_KEY"],
    aws_secret_access_key=os.environ["CS_SECRET_KEY"],
    region_name=os.environ["CS_REGION"],
    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
)


def err(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        h = e.response["ResponseMetadata"]["HTTPHeaders"]
        return {
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "code": e.response["Error"]["Code"],
            "deleteMarker": h.get("x-amz-delete-marker"),
            "versionId": h.get("x-amz-version-id"),
        }
    return None


def body(bucket, key, version_id=None):
    kw = {"Bucket": bucket, "Key": key}
    if version_id:
        kw["VersionId"] = version_id
    r = s3.get_object(**kw)
    return {"body": r["Body"].read().decode(), "versionId": r.get("VersionId"), "meta": r.get("Metadata", {})}


def versions(bucket, prefix):
    r = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
    return {
        "versions": [[v["Key"], v["VersionId"], v["IsLatest"], v["Size"]] for v in r.get("Versions", [])],
        "markers": [[m["Key"], m["VersionId"], m["IsLatest"]] for m in r.get("DeleteMarkers", [])],
    }


def flows(bucket):
    out = {}
    s3.create_bucket(Bucket=bucket)
    out["statusNew"] = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    out["statusEnabled"] = s3.get_bucket_versioning(Bucket=bucket).get("Status")

    v1 = s3.put_object(Bucket=bucket, Key="f.txt", Body=b"first")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="f.txt", Body=b"second!")["VersionId"]
    out["v1"], out["v2"] = v1, v2
    out["getLatest"] = body(bucket, "f.txt")
    out["getV1"] = body(bucket, "f.txt", v1)
    h = s3.head_object(Bucket=bucket, Key="f.txt", VersionId=v1)
    out["headV1"] = {"length": h["ContentLength"], "versionId": h["VersionId"]}
    c = s3.copy_object(Bucket=bucket, Key="f.txt", CopySource={"Bucket": bucket, "Key": "f.txt", "VersionId": v1})
    out["copy"] = {"versionId": c["VersionId"], "source": c.get("CopySourceVersionId")}
    out["afterCopy"] = body(bucket, "f.txt")

    d = s3.delete_object(Bucket=bucket, Key="f.txt")
    marker = d["VersionId"]
    out["delete"] = {"deleteMarker": d.get("DeleteMarker"), "versionId": marker}
    out["getDeleted"] = err(s3.get_object, Bucket=bucket, Key="f.txt")
    out["headDeleted"] = err(s3.head_object, Bucket=bucket, Key="f.txt")
    out["getMarker"] = err(s3.get_object, Bucket=bucket, Key="f.txt", VersionId=marker)
    out["listDeleted"] = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    out["versionsDeleted"] = versions(bucket, "f.txt")
    u = s3.delete_object(Bucket=bucket, Key="f.txt", VersionId=marker)
    out["undelete"] = {"deleteMarker": u.get("DeleteMarker"), "versionId": u["VersionId"]}
    out["afterUndelete"] = body(bucket, "f.txt")

    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    out["statusSuspended"] = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    # AWS answers writes into a suspended bucket without x-amz-version-id.
    out["nullPut1"] = s3.put_object(Bucket=bucket, Key="f.txt", Body=b"null-a").get("VersionId")
    out["nullPut2"] = s3.put_object(Bucket=bucket, Key="f.txt", Body=b"null-bb").get("VersionId")
    out["versionsSuspended"] = versions(bucket, "f.txt")
    out["getNull"] = body(bucket, "f.txt", "null")
    out["getV2AfterSuspend"] = body(bucket, "f.txt", v2)
    dn = s3.delete_object(Bucket=bucket, Key="f.txt")
    out["deleteSuspended"] = {"deleteMarker": dn.get("DeleteMarker"), "versionId": dn.get("VersionId")}
    out["versionsSuspendedDeleted"] = versions(bucket, "f.txt")

    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    a1 = s3.put_object(Bucket=bucket, Key="m/a", Body=b"a1")["VersionId"]
    a2 = s3.put_object(Bucket=bucket, Key="m/a", Body=b"a2")["VersionId"]
    s3.put_object(Bucket=bucket, Key="m/b", Body=b"b1")
    bm = s3.delete_object(Bucket=bucket, Key="m/b")["VersionId"]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "m/a", "VersionId": a1}, {"Key": "m/b", "VersionId": bm}, {"Key": "m/c"},
    ]})
    out["multi"] = {"a1": a1, "a2": a2, "bm": bm, "deleted": sorted(r.get("Deleted", []), key=lambda x: x["Key"]), "errors": r.get("Errors", [])}
    out["multiAfter"] = versions(bucket, "m/")
    print(json.dumps(out))


def paginate(bucket, prefix, page_size):
    p = s3.get_paginator("list_object_versions")
    pages = 0
    vs, ms = [], []
    for page in p.paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": int(page_size)}):
        pages += 1
        vs += [[v["Key"], v["VersionId"], v["IsLatest"]] for v in page.get("Versions", [])]
        ms += [[m["Key"], m["VersionId"], m["IsLatest"]] for m in page.get("DeleteMarkers", [])]
    print(json.dumps({"pages": pages, "versions": vs, "markers": ms}))


def get_versions(bucket, picks_json):
    picks = json.loads(picks_json)
    print(json.dumps([body(bucket, k, v) for k, v in picks]))


if __name__ == "__main__":
    flow, args = sys.argv[1], sys.argv[2:]
    {"flows": flows, "paginate": paginate, "get": get_versions}[flow](*args)
