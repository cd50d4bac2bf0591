"""Seed 004: a private bucket whose `.csv` uploads (and the seed's `request-items.json`, as
`.json`) import themselves, or are rejected by line; a notice says which, with the counts."""

import re

import pulumi
import pulumi_aws as aws

from . import functions
from .draw import Draw
from .scope import Scope

try:  # installed: handlers/ is inside this package (lottery_workflow.handlers)
    from .handlers.roster import SUFFIXES as ROSTER_SUFFIXES
except ImportError:  # a checkout: handlers/ beside components/
    from handlers.roster import SUFFIXES as ROSTER_SUFFIXES


def bucket_prefix(prefix: str) -> str:
    """`<prefix>-roster-` as S3 takes it: lowercase letters, digits and hyphens, within the 37
    characters pulumi-aws allows a bucket prefix."""
    return re.sub(r"[^a-z0-9-]+", "-", prefix.lower())[:29].strip("-") + "-roster-"


def build(scope: Scope, code: functions.Code, draw: Draw, dead_letters: aws.sqs.Queue, *, admin_emails,
          force_destroy: bool) -> tuple[pulumi.Output[str], aws.lambda_.Function]:
    """The bucket, its import function and the RosterNotices topic; the bucket's name and the function."""
    name = scope.name
    # Named RosterRejections until imports announced their success too: the alias keeps that topic,
    # and its subscriptions, in a stack deployed before (a name prefix renames it: README, upgrading).
    notices = aws.sns.Topic(f"{name}-roster-notices", **scope.named("RosterNotices"), display_name="Lottery roster",
                            tags=scope.tags, opts=scope.opts(aliases=[pulumi.Alias(name=f"{name}-roster-rejections")]))
    scope.subscribe_emails(notices, "roster-admin", admin_emails)
    bucket = aws.s3.Bucket(
        f"{name}-roster", bucket_prefix=pulumi.Output.from_input(scope.prefix or name).apply(bucket_prefix),
        force_destroy=force_destroy, tags=scope.tags, opts=scope.opts(),
    )
    aws.s3.BucketPublicAccessBlock(
        f"{name}-roster-private", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
        ignore_public_acls=True, restrict_public_buckets=True, opts=scope.opts(),
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-roster-encryption", bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}], opts=scope.opts(),
    )
    aws.s3.BucketVersioning(
        f"{name}-roster-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"},
        opts=scope.opts(),
    )
    importer = functions.build(
        scope, functions.IMPORT_ROSTER, code, {**draw.settings, "ROSTER_NOTICES_TOPIC_ARN": notices.arn},
        {**draw.table_arns, "roster_bucket": bucket.arn, "roster_notices_topic": notices.arn,
         "dead_letters": dead_letters.arn},
    )
    # S3 invokes asynchronously: an import that keeps failing goes to the dead-letter queue.
    aws.lambda_.FunctionEventInvokeConfig(
        f"{name}-importroster-on-failure", function_name=importer.name, maximum_retry_attempts=2,
        destination_config={"on_failure": {"destination": dead_letters.arn}}, opts=scope.opts(),
    )
    allow_s3 = aws.lambda_.Permission(
        f"{name}-roster-permission", action="lambda:InvokeFunction", function=importer.name,
        principal=scope.principal("s3"), source_arn=bucket.arn, source_account=scope.account, opts=scope.opts(),
    )
    aws.s3.BucketNotification(
        f"{name}-roster-notification", bucket=bucket.id,
        lambda_functions=[{"lambda_function_arn": importer.arn, "events": ["s3:ObjectCreated:*"], "filter_suffix": suffix}
                          for suffix in ROSTER_SUFFIXES],
        opts=scope.opts(depends_on=[allow_s3]),
    )
    return bucket.bucket, importer
