"""Creates, in a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=3, an IAM user allowed all of
S3, SES, IAM and STS and an access key for it (the three unauthenticated actions), and prints shell
exports of the key (for the storage tests as S3_TEST_*, for the mail tests as SES_TEST_*). From then
on moto checks every request's SigV4 signature against that key. With that key it then makes a role
allowed S3 and assumes it, and exports the role's temporary credentials as S3_TEST_SESSION_*: the
credential chain's tests hand them out from stand-in credential endpoints, and moto checks their
session token on every request signed with them."""
import json
import sys

import boto3

endpoint = sys.argv[1]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
iam.create_user(UserName="storage-tests")
iam.put_user_policy(UserName="storage-tests", PolicyName="s3-and-ses", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "ses:*", "iam:*", "sts:*"], "Resource": "*"}],
}))
key = iam.create_access_key(UserName="storage-tests")["AccessKey"]
print(f"export S3_TEST_ENDPOINT='{endpoint}'")
print(f"export S3_TEST_ACCESS_KEY_ID='{key['AccessKeyId']}'")
print(f"export S3_TEST_SECRET_ACCESS_KEY='{key['SecretAccessKey']}'")
print(f"export SES_TEST_ENDPOINT='{endpoint}'")
print(f"export SES_TEST_ACCESS_KEY_ID='{key['AccessKeyId']}'")
print(f"export SES_TEST_SECRET_ACCESS_KEY='{key['SecretAccessKey']}'")

iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
role = iam.create_role(RoleName="storage-tests-role", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}))["Role"]
iam.put_role_policy(RoleName="storage-tests-role", PolicyName="s3", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}],
}))
sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="credential-chain-tests", DurationSeconds=43200)["Credentials"]
print(f"export S3_TEST_SESSION_ACCESS_KEY_ID='{session['AccessKeyId']}'")
print(f"export S3_TEST_SESSION_SECRET_ACCESS_KEY='{session['SecretAccessKey']}'")
print(f"export S3_TEST_SESSION_TOKEN='{session['SessionToken']}'")
