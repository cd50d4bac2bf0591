"""An SQS queue subscribed to the announcements, for a consumer that wants the notices."""

import pulumi
import pulumi_aws as aws

from .draw import Draw
from .queues import queue_for
from .scope import Scope


def build(scope: Scope, draw: Draw) -> pulumi.Output[str]:
    queue = queue_for(scope, "announcements-queue", "Announcements", "sns", draw.topic.arn)
    aws.sns.TopicSubscription(
        f"{scope.name}-announcements-to-queue", topic=draw.topic.arn, protocol="sqs", endpoint=queue.arn,
        raw_message_delivery=True, opts=scope.opts(),
    )
    return queue.url
