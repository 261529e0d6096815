/**
 * The S3 backend (AWS S3, MinIO, Ceph RGW or any S3-compatible store) on the AWS SDK for Java v2: ranged GET,
 * multipart uploads whose whole state lives in the bucket, so any replica may continue an upload, and
 * optional presigned GET redirects. Nothing outside this package imports the SDK.
 */
package io.cangku.storage.s3;
