"""Import Roster: a roster uploaded to the roster bucket becomes the live roster, or is rejected
whole; either way a notice says so (seed 004's upload-and-import, made safe)."""

import time
from urllib.parse import unquote_plus

from .common import InvalidRoster, client, setting, table
from .roster import RosterSuperseded, parse_roster, write_roster


def handler(event, context):
    results = []
    for record in event["Records"]:
        bucket, obj = record["s3"]["bucket"]["name"], record["s3"]["object"]
        key = unquote_plus(obj["key"])
        version = {"VersionId": obj["versionId"]} if obj.get("versionId") else {}
        body = client("s3").get_object(Bucket=bucket, Key=key, **version)["Body"].read()
        try:
            text = body.decode("utf-8-sig")  # a spreadsheet's CSV export may start with a BOM
        except UnicodeDecodeError:
            text = None
        started = time.monotonic()
        try:
            if text is None:
                raise InvalidRoster("the file is not UTF-8 text")
            pool = write_roster(parse_roster(text), table("EMPLOYEE_TABLE"), table("WINNERS_TABLE"), table("DRAWS_TABLE"),
                                    table("LEDGER_TABLE"))
        except (InvalidRoster, RosterSuperseded) as error:
            # Returned, not raised: a retry would only reject the same file again.
            notify("Lottery roster rejected", f"s3://{bucket}/{key} was not imported, and nothing was changed: {error}")
            results.append({"key": key, "rejected": str(error)})
        except Exception as error:
            # Raised after the notice: Lambda tries twice more, then the event goes to the dead-letter queue.
            notify("Lottery roster not imported yet", f"s3://{bucket}/{key} was not imported ({type(error).__name__}: {error});"
                   " the live roster is unchanged, and the import is tried again")
            raise
        else:
            notify("Lottery roster imported", accepted(f"s3://{bucket}/{key}", pool, time.monotonic() - started))
            results.append({"key": key, "imported": pool})
    return {"results": results}


def accepted(source: str, pool: dict, seconds: float) -> str:
    """The acceptance notice: how many employees, how many can win, how long it took."""
    size, eligible = int(pool["pool_size"]), int(pool["eligible"])
    return (f"{source} is the live roster ({pool['roster']}): {size:,} employees, {eligible:,} of whom can win"
            f" ({size - eligible:,} won before); {pool['written']:,} items written, {pool['removed']:,} of imports"
            f" that never went live removed, in {seconds:.1f} s.")


def notify(subject: str, message: str) -> None:
    client("sns").publish(TopicArn=setting("ROSTER_NOTICES_TOPIC_ARN"), Subject=subject, Message=message)
