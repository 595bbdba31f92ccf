"""Three ways to let a client write one S3 object and nothing else (see docs/uploads.md).

- ``iam-user``: a throw-away IAM user per credential, with an inline policy on the one object ARN
  (SeaweedFS's embedded IAM API; also works on AWS, within its IAM quotas). Revocable at once.
- ``sts``: temporary credentials from STS with the same inline policy (AWS ``GetFederationToken``,
  or ``AssumeRole`` on MinIO and AWS). They expire by themselves and cannot be revoked early.
- ``presigned``: no credentials; a presigned PUT URL (single request, up to 5 GB) and, on request,
  presigned multipart part URLs. Fine for Docket's own client; Submit4DN cannot use it.

IAM user names carry what sweeping and revocation need, so no state is kept outside S3/IAM::

    <prefix><expiry as unix seconds>-<16 hex of sha256(bucket/key)>-<8 random hex>
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from docket.store.blobs.errors import ScopingUnavailable
from docket.store.blobs.protocol import UploadCredentials

# s3:PutObject covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload. SeaweedFS refuses
# s3:ListMultipartUploadParts in a policy, and `aws s3 cp` does not need it.
UPLOAD_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload"]
POLICY_NAME = "docket-upload"


def upload_policy(bucket: str, object_key: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": UPLOAD_ACTIONS,
                    "Resource": [f"arn:aws:s3:::{bucket}/{object_key}"],
                }
            ],
        }
    )


class Minter(Protocol):
    strategy: str

    def mint(self, object_key: str, ttl: timedelta) -> UploadCredentials: ...

    def revoke(self, object_key: str) -> int: ...

    def sweep(self, now: datetime) -> int: ...


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class IamUserMinter:
    iam: Any
    bucket: str
    user_prefix: str = "docket-up-"
    strategy: str = "iam-user"

    def _key_tag(self, object_key: str) -> str:
        return hashlib.sha256(f"{self.bucket}/{object_key}".encode()).hexdigest()[:16]

    def mint(self, object_key: str, ttl: timedelta) -> UploadCredentials:
        expiration = _now() + ttl
        stamp, tag = int(expiration.timestamp()), self._key_tag(object_key)
        name = f"{self.user_prefix}{stamp}-{tag}-{secrets.token_hex(4)}"
        try:
            self.iam.create_user(UserName=name)
            try:
                self.iam.put_user_policy(
                    UserName=name,
                    PolicyName=POLICY_NAME,
                    PolicyDocument=upload_policy(self.bucket, object_key),
                )
                key = self.iam.create_access_key(UserName=name)["AccessKey"]
            except BaseException:
                self._delete_user(name)
                raise
        except (ClientError, BotoCoreError) as exc:
            raise ScopingUnavailable(object_key, self.strategy, str(exc)) from exc
        return UploadCredentials(
            strategy=self.strategy,
            bucket=self.bucket,
            key=object_key,
            upload_url=f"s3://{self.bucket}/{object_key}",
            expiration=expiration,
            access_key=key["AccessKeyId"],
            secret_key=key["SecretAccessKey"],
        )

    def _users(self) -> list[tuple[str, datetime, str]]:
        """(name, expiration, key tag) of every user this minter made."""
        found = []
        for page in self.iam.get_paginator("list_users").paginate():
            for user in page.get("Users", []):
                name = user["UserName"]
                if not name.startswith(self.user_prefix):
                    continue
                try:
                    expiry, tag, _ = name[len(self.user_prefix) :].split("-")
                    found.append((name, datetime.fromtimestamp(int(expiry), UTC), tag))
                except ValueError:
                    continue  # not one of ours after all
        return found

    def revoke(self, object_key: str) -> int:
        tag = self._key_tag(object_key)
        names = [name for name, _, t in self._users() if t == tag]
        for name in names:
            self._delete_user(name)
        return len(names)

    def sweep(self, now: datetime) -> int:
        names = [name for name, expiration, _ in self._users() if expiration <= now]
        for name in names:
            self._delete_user(name)
        return len(names)

    def _delete_user(self, name: str) -> None:
        # AWS refuses to delete a user that still has keys or policies, so those go first.
        def ignore_missing(call: Any, **kwargs: Any) -> Any:
            try:
                return call(**kwargs)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in {"NoSuchEntity", "NoSuchEntityException"}:
                    raise
                return None

        listed = ignore_missing(self.iam.list_access_keys, UserName=name) or {}
        for key in listed.get("AccessKeyMetadata", []):
            ignore_missing(self.iam.delete_access_key, UserName=name, AccessKeyId=key["AccessKeyId"])
        ignore_missing(self.iam.delete_user_policy, UserName=name, PolicyName=POLICY_NAME)
        ignore_missing(self.iam.delete_user, UserName=name)


@dataclass
class StsMinter:
    """``method`` is ``federation`` (AWS GetFederationToken, needs long-term IAM user keys) or
    ``assume-role`` (AWS or MinIO AssumeRole; ``role_arn`` is required on AWS, ignored by MinIO)."""

    sts: Any
    bucket: str
    method: str = "federation"
    role_arn: str | None = None
    strategy: str = "sts"

    def mint(self, object_key: str, ttl: timedelta) -> UploadCredentials:
        policy = upload_policy(self.bucket, object_key)
        seconds = int(ttl.total_seconds())
        name = "docket-" + secrets.token_hex(8)
        try:
            if self.method == "federation":
                # Federation tokens live 15 min to 36 h.
                seconds = max(900, min(seconds, 129_600))
                response = self.sts.get_federation_token(Name=name, Policy=policy, DurationSeconds=seconds)
            elif self.method == "assume-role":
                seconds = max(900, min(seconds, 43_200))
                response = self.sts.assume_role(
                    RoleArn=self.role_arn or "arn:aws:iam::000000000000:role/docket-upload",
                    RoleSessionName=name,
                    Policy=policy,
                    DurationSeconds=seconds,
                )
            else:
                raise ValueError(f"unknown STS method {self.method!r}")
        except (ClientError, BotoCoreError) as exc:
            raise ScopingUnavailable(object_key, self.strategy, str(exc)) from exc
        creds = response["Credentials"]
        expiration = creds["Expiration"]
        if isinstance(expiration, str):
            expiration = datetime.fromisoformat(expiration)
        return UploadCredentials(
            strategy=self.strategy,
            bucket=self.bucket,
            key=object_key,
            upload_url=f"s3://{self.bucket}/{object_key}",
            expiration=expiration,
            access_key=creds["AccessKeyId"],
            secret_key=creds["SecretAccessKey"],
            session_token=creds.get("SessionToken", ""),
        )

    def revoke(self, object_key: str) -> int:
        return 0  # STS credentials cannot be revoked one by one; they expire.

    def sweep(self, now: datetime) -> int:
        return 0


@dataclass
class PresignedMinter:
    s3: Any
    bucket: str
    strategy: str = "presigned"

    def mint(self, object_key: str, ttl: timedelta) -> UploadCredentials:
        seconds = min(int(ttl.total_seconds()), 7 * 24 * 3600)  # SigV4 presigning caps at 7 days
        url = self.s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": object_key}, ExpiresIn=seconds
        )
        return UploadCredentials(
            strategy=self.strategy,
            bucket=self.bucket,
            key=object_key,
            upload_url=f"s3://{self.bucket}/{object_key}",
            expiration=_now() + timedelta(seconds=seconds),
            put_url=url,
        )

    def revoke(self, object_key: str) -> int:
        return 0  # a presigned URL is valid until it expires

    def sweep(self, now: datetime) -> int:
        return 0
