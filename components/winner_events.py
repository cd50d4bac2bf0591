"""Seed 003: the Winners stream fans out to WinnerDrawn events on an EventBridge bus; an example
rule queues them."""

import json

import pulumi
import pulumi_aws as aws

from . import functions
from .draw import Draw
from .queues import queue_for
from .scope import Scope


def build(scope: Scope, code: functions.Code, draw: Draw,
          dead_letters: aws.sqs.Queue) -> tuple[pulumi.Output[str], pulumi.Output[str], aws.lambda_.Function]:
    """The bus, its publishing function, and the example rule and queue; the bus name, queue URL and function."""
    name = scope.name
    bus = aws.cloudwatch.EventBus(f"{name}-events", **scope.named("Events"), tags=scope.tags, opts=scope.opts())
    publisher = functions.build(
        scope, functions.PUBLISH_WINNER_EVENTS, code, {"EVENT_BUS_NAME": bus.name},
        {"winners_table": draw.winners.arn, "event_bus": bus.arn, "dead_letters": dead_letters.arn},
    )
    # The mapping invokes synchronously: its own retries and on-failure destination are what apply.
    aws.lambda_.EventSourceMapping(
        f"{name}-winners-stream", event_source_arn=draw.winners.stream_arn, function_name=publisher.arn,
        starting_position="LATEST", batch_size=10, maximum_retry_attempts=3, bisect_batch_on_function_error=True,
        destination_config={"on_failure": {"destination_arn": dead_letters.arn}}, opts=scope.opts(),
    )
    rule = aws.cloudwatch.EventRule(
        f"{name}-winner-drawn", **scope.named("WinnerDrawn"), event_bus_name=bus.name,
        description="Every WinnerDrawn event, to the example consumer queue",
        event_pattern=json.dumps({"source": ["lottery"], "detail-type": ["WinnerDrawn"]}),
        tags=scope.tags, opts=scope.opts(),
    )
    consumer = queue_for(scope, "winner-events-queue", "WinnerEvents", "events", rule.arn)
    aws.cloudwatch.EventTarget(
        f"{name}-winner-drawn-to-queue", rule=rule.name, event_bus_name=bus.name, arn=consumer.arn, opts=scope.opts(),
    )
    return bus.name, consumer.url, publisher
