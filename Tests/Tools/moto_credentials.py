"""Creates, in a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=3, an IAM user allowed all of
S3 and SES and an access key for it (the three unauthenticated actions), and prints shell exports of
the key (for the storage tests as S3_TEST_*, for the mail tests as SES_TEST_*). From then on moto
checks every request's SigV4 signature against that key."""
import json
import sys

import boto3

endpoint = sys.argv[1]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
iam.create_user(UserName="storage-tests")
iam.put_user_policy(UserName="storage-tests", PolicyName="s3-and-ses", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "ses:*"], "Resource": "*"}],
}))
key = iam.create_access_key(UserName="storage-tests")["AccessKey"]
print(f"export S3_TEST_ENDPOINT='{endpoint}'")
print(f"export S3_TEST_ACCESS_KEY_ID='{key['AccessKeyId']}'")
print(f"export S3_TEST_SECRET_ACCESS_KEY='{key['SecretAccessKey']}'")
print(f"export SES_TEST_ENDPOINT='{endpoint}'")
print(f"export SES_TEST_ACCESS_KEY_ID='{key['AccessKeyId']}'")
print(f"export SES_TEST_SECRET_ACCESS_KEY='{key['SecretAccessKey']}'")
