"""Record Failure: a draw that fails after its commitment is recorded in the Ledger as failed, with its
server seed revealed, so a draw that was run and did not suit cannot be passed off as one never
run. Returns the draw's error, which the execution then fails with."""

from . import ledger
from .common import client, setting, typed


def handler(event: dict, context) -> dict:
    error, draw = event["error"], event["draw"]
    if "commitment" in event:
        dynamodb_client, draws = client("dynamodb"), setting("DRAWS_TABLE")
        body = {"kind": "failed", "draw_id": draw["id"], "at": ledger.now(), "commitment": event["commitment"]["seq"],
                "public_value": event["public_value"], "seed": event["seed"], "error": error.get("Error")}
        try:
            ledger.write_with_record(dynamodb_client, setting("LEDGER_TABLE"), body, lambda record: [{"Update": {
                "TableName": draws, "Key": typed({"draw_id": draw["id"]}),
                "UpdateExpression": "SET #status = :failed, #record = :record",
                "ConditionExpression": "#status = :committed",
                "ExpressionAttributeNames": {"#status": "status", "#record": "record"},
                "ExpressionAttributeValues": typed({":failed": "failed", ":committed": "committed", ":record": record}),
            }}])
        except dynamodb_client.exceptions.TransactionCanceledException:
            item = dynamodb_client.get_item(TableName=draws, Key=typed({"draw_id": draw["id"]}), ConsistentRead=True)
            if item.get("Item", {}).get("status", {}).get("S") == "committed":
                raise  # not recorded: the commitment must not be left open quietly
            # Recorded already: this is a retry.
    return error
