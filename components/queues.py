"""An SQS queue that one AWS service may send to, for one source only."""

import json

import pulumi
import pulumi_aws as aws

from . import policies
from .scope import Scope


def queue_for(scope: Scope, slug: str, suffix: str, service: str, source_arn: pulumi.Input[str]) -> aws.sqs.Queue:
    """Queue `<name>-<slug>` (physical `<prefix>-<suffix>` with a prefix) that `service` may send to
    on behalf of `source_arn` (a rule, a topic) only."""
    queue = aws.sqs.Queue(f"{scope.name}-{slug}", **scope.named(suffix), sqs_managed_sse_enabled=True,
                          tags=scope.tags, opts=scope.opts())
    aws.sqs.QueuePolicy(
        f"{scope.name}-{slug}-policy", queue_url=queue.url,
        policy=pulumi.Output.all(queue.arn, scope.principal(service), source_arn).apply(
            lambda a: json.dumps(policies.queue_policy(a[0], a[1], a[2]))),
        opts=scope.opts(),
    )
    return queue
