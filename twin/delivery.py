"""What AWS does around a failed invocation, which moto does not: retries, then an on-failure record.

- A DynamoDB stream batch: retried as the event source mapping's MaximumRetryAttempts says, then
  sent to its OnFailure destination with the batch's stream coordinates (DDBStreamBatchInfo).
- An asynchronous invocation (an S3 notification): retried as the function's event invoke config
  says (two by default), then sent to its OnFailure destination with the request itself.
Both records have the shape AWS sends, so a consumer of the dead-letter queue is tested offline.
"""

import json
import uuid
from datetime import UTC, datetime

import boto3

from . import seams


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _send(destination_arn: str, record: dict) -> None:
    _, _, service, region, account, name = destination_arn.split(":", 5)
    if service != "sqs":
        raise NotImplementedError(f"offline on-failure destinations are SQS queues, not {destination_arn}")
    sqs = boto3.client("sqs", region_name=region)
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"],
                     MessageBody=json.dumps(record))


def _context(function, attempts: int, condition: str, answer: str) -> dict:
    return {
        "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": function.function_arn,
                           "condition": condition, "approximateInvokeCount": attempts},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0", "timestamp": _now(), "responsePayload": json.loads(answer),
    }


def deliver(function, event: dict, invoke) -> tuple[str, bool, str]:
    """`invoke(event)` once, and as AWS would again on failure, for stream and S3 events."""
    answer, errored, logs = invoke(event)
    records: list[dict] = (event.get("Records") if isinstance(event, dict) else None) or []
    source = records[0].get("eventSource") if records else None
    if not errored or source not in ("aws:dynamodb", "aws:s3"):
        return answer, errored, logs
    if source == "aws:dynamodb":
        mapping = seams.stream_mapping(function, records[0]["eventSourceARN"])
        retries = mapping.max_retry_attempts if mapping and mapping.max_retry_attempts is not None else 0
        destination = ((mapping.destination_config or {}).get("OnFailure") or {}).get("Destination") if mapping else None
    else:
        config = function.event_invoke_config[0].config if function.event_invoke_config else {}
        retries = config.get("MaximumRetryAttempts", 2)
        destination = (config.get("DestinationConfig", {}).get("OnFailure") or {}).get("Destination")
    attempts = 1
    while errored and attempts <= max(retries, 0):
        answer, errored, logs = invoke(event)
        attempts += 1
    if errored and destination:
        if source == "aws:dynamodb":
            numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
            record = {**_context(function, attempts, "RetryAttemptsExhausted", answer), "DDBStreamBatchInfo": {
                "shardId": "shardId-00000000000000000000-offline", "startSequenceNumber": numbers[0],
                "endSequenceNumber": numbers[-1], "batchSize": len(records), "streamArn": records[0]["eventSourceARN"]}}
        else:
            record = {**_context(function, attempts, "RetriesExhausted", answer), "requestPayload": event}
        _send(destination, record)
    return answer, errored, logs
