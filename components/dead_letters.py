"""Where what keeps failing ends: the dead-letter queue, with an alarm on its first message that
tells the operators' Alarms topic."""

import pulumi_aws as aws

from .scope import Scope


def build(scope: Scope, operator_emails) -> tuple[aws.sqs.Queue, aws.sns.Topic]:
    queue = aws.sqs.Queue(
        f"{scope.name}-dead-letters", **scope.named("DeadLetters"),
        message_retention_seconds=14 * 24 * 3600, sqs_managed_sse_enabled=True, tags=scope.tags, opts=scope.opts(),
    )
    alarms = aws.sns.Topic(f"{scope.name}-alarms", **scope.named("Alarms"), display_name="Lottery alarms",
                           tags=scope.tags, opts=scope.opts())
    scope.subscribe_emails(alarms, "operator", operator_emails)
    aws.cloudwatch.MetricAlarm(
        f"{scope.name}-dead-letters-alarm", **scope.named("DeadLetters-not-empty"),
        alarm_description="A roster import or a WinnerDrawn delivery failed: its record is in the dead-letter queue",
        namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue.name}, statistic="Maximum", period=60, evaluation_periods=1,
        threshold=0, comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
        alarm_actions=[alarms.arn], tags=scope.tags, opts=scope.opts(),
    )
    return queue, alarms
