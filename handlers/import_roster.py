"""Import Roster: a roster uploaded to the roster bucket replaces the Employee table, or is
rejected whole with a notice naming the bad line (seed 004's upload-and-import, made safe)."""

from urllib.parse import unquote_plus

from .common import InvalidRoster, client, setting, table
from .roster import parse_roster, write_roster


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
        try:
            if text is None:
                raise InvalidRoster("the file is not UTF-8 text")
            pool = write_roster(parse_roster(text), table("EMPLOYEE_TABLE"), table("WINNERS_TABLE"), table("DRAWS_TABLE"))
        except InvalidRoster as error:
            # Returned, not raised: a retry would only reject the same file again.
            client("sns").publish(
                TopicArn=setting("REJECTIONS_TOPIC_ARN"), Subject="Lottery roster rejected",
                Message=f"s3://{bucket}/{key} was not imported, and nothing was changed: {error}",
            )
            results.append({"key": key, "rejected": str(error)})
        else:
            results.append({"key": key, "imported": pool})
    return {"results": results}
