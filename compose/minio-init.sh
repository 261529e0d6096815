#!/bin/sh
# minio-init of docker-compose.yml: with MinIO's root credentials (which only this container and MinIO see),
# create the bucket, a policy allowing that bucket and nothing else, and Cangku's own user with that policy.
# Every step may run again on the next `docker compose up`: each is idempotent.
set -eu
bucket=${CANGKU_BUCKET:?}
access_key=$(cat /run/secrets/cangku_s3_access_key)
secret_key=$(cat /run/secrets/cangku_s3_secret_key)

mc alias set local http://minio:9000 "$(cat /run/secrets/minio_root_user)" "$(cat /run/secrets/minio_root_password)" >/dev/null
mc mb --ignore-existing "local/$bucket"
cat >/tmp/cangku-policy.json <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow",
     "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
     "Resource": ["arn:aws:s3:::$bucket"]},
    {"Effect": "Allow",
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
     "Resource": ["arn:aws:s3:::$bucket/*"]}
  ]
}
POLICY
mc admin policy create local cangku /tmp/cangku-policy.json
# Adding an existing user sets its secret key again, so a changed secret file takes effect.
mc admin user add local "$access_key" "$secret_key"
# attach refuses a policy the user already has; then the user must show it.
if ! mc admin policy attach local cangku --user "$access_key"; then
  mc admin user info local "$access_key" | grep -q 'PolicyName: cangku'
fi
echo "bucket $bucket and user $access_key with policy cangku are ready"
