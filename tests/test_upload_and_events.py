"""Seeds 004 and 003 in the lottery: a roster uploaded to the bucket imports itself; recorded
winners become WinnerDrawn events; every failure lands in the dead-letter queue."""

import json

import boto3
import pytest

from conftest import live_roster, until
from handlers import winner_events
from twin import lambdas
from twin.faults import Fault, inject
from twin.program import SAMPLE_ROSTER
from twin.stack import OfflineStack

ROSTER = "employee_id,employee_name,employee_entry_date\nx1,Xi,20240101\nx2,Yu,20240102\nx3,Zo,20240103\n"


@pytest.fixture
def dev(tmp_path):
    with OfflineStack("dev", tmp_path) as stack:
        yield stack


def messages(stack, output: str) -> list[dict]:
    sqs = boto3.client("sqs", region_name=stack.region)
    found = []
    while batch := sqs.receive_message(QueueUrl=stack.outputs[output], MaxNumberOfMessages=10).get("Messages"):
        found += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(QueueUrl=stack.outputs[output],
                                 Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return found


def employees(stack) -> list[dict]:
    """The live roster's employees, as imported."""
    return [{k: v for k, v in e.items() if k not in ("roster", "lottery_serial")}
            for e in live_roster(stack.table("employee_table"), stack.table("draws_table"))]


def test_an_uploaded_roster_is_imported_and_drawable(dev):
    dev.upload_roster(ROSTER)
    (notice,) = dev.roster_notices()
    assert "roster.csv is the live roster" in notice and "3 employees, 3 of whom can win (0 won before)" in notice
    assert [(e["employee_id"], e["employee_entry_date"]) for e in employees(dev)] == [
        ("x1", "20240101"), ("x2", "20240102"), ("x3", "20240103")]
    assert (dev.pool()["pool_size"], dev.pool()["eligible"]) == (3, 3)
    result = dev.draw({"input": 2})
    assert result["status"] == "SUCCEEDED" and {w["employee_id"] for w in result["winners"]} <= {"x1", "x2", "x3"}


def test_a_pipe_delimited_upload_is_imported_too(dev):
    dev.upload_roster("employee_id|employee_name\np1|Pat\np2|Sam\n", "hr-export.csv")
    assert [e["employee_id"] for e in employees(dev)] == ["p1", "p2"]


def test_the_seeds_request_items_json_uploaded_is_imported_and_other_files_are_not(dev):
    dev.upload_roster("employee_id,employee_name\nq1,Qi\n", "notes.txt")  # becomes notes.txt.csv: imported
    boto3.client("s3", region_name=dev.region).put_object(Bucket=dev.outputs["roster_bucket"], Key="readme.txt", Body=b"x")
    assert [e["employee_id"] for e in employees(dev)] == ["q1"] and len(dev.roster_notices()) == 1  # a .txt starts nothing
    dev.upload_roster(SAMPLE_ROSTER.read_text(), "request-items.json")
    assert "request-items.json is the live roster" in dev.roster_notices()[-1]
    assert [e["employee_id"] for e in employees(dev)] == [f"{n:03}" for n in range(1, 11)]


def test_through_the_endpoint_an_upload_answers_before_its_import_runs(dev):
    before = employees(dev)
    with lambdas.invocation_lock:  # no other thread's function can run: the import waits in its own until the block ends
        with dev.notifying_in_background():  # as `lottery serve --aws` answers each request
            dev.upload_roster(ROSTER)
        assert dev.busy() and employees(dev) == before
    until(lambda: not dev.busy(), "the import ended", timeout_s=60)
    assert [e["employee_id"] for e in employees(dev)] == ["x1", "x2", "x3"]
    dev.upload_roster(ROSTER.replace("x3,Zo", "x4,Wu"))  # outside the block: the import runs inside the upload
    assert not dev.busy() and [e["employee_id"] for e in employees(dev)] == ["x1", "x2", "x4"]


def test_a_bad_upload_changes_nothing_and_its_rejection_names_the_line(dev):
    before, pool = employees(dev), dev.pool()
    dev.upload_roster("x1,Xi\nx2,\n")
    assert employees(dev) == before and dev.pool() == pool
    (notice,) = dev.roster_notices()
    assert "roster.csv was not imported" in notice and "line 2: employee_name is missing" in notice


def test_uploading_the_same_roster_again_changes_nothing(dev):
    dev.upload_roster(ROSTER)
    first = employees(dev)
    dev.upload_roster(ROSTER)
    assert employees(dev) == first and dev.pool()["eligible"] == 3


def test_a_roster_that_drops_a_past_winner_keeps_their_record(dev):
    dev.upload_roster(ROSTER)
    (winner,) = dev.draw({"input": 1})["winners"]
    dev.upload_roster("\n".join(line for line in ROSTER.splitlines() if not line.startswith(winner["employee_id"])))
    assert winner["employee_id"] not in [e["employee_id"] for e in employees(dev)]
    assert [w["employee_id"] for w in dev.table("winners_table").scan()["Items"]] == [winner["employee_id"]]
    assert dev.pool()["eligible"] == 2


def test_other_uploads_do_not_import(dev):
    before = employees(dev)
    boto3.client("s3", region_name=dev.region).put_object(Bucket=dev.outputs["roster_bucket"], Key="notes.txt", Body=b"x")
    assert employees(dev) == before and dev.roster_notices() == []


def test_each_winner_becomes_one_winner_drawn_event(dev):
    result = dev.draw({"input": 3})
    events = messages(dev, "winner_events_queue_url")
    assert {e["detail-type"] for e in events} == {"WinnerDrawn"} and {e["source"] for e in events} == {"lottery"}
    draw_id = result["execution"].rsplit(":", 1)[1]
    assert sorted((e["detail"]["employee_id"], e["detail"]["employee_name"]) for e in events) == sorted(
        (w["employee_id"], w["employee_name"]) for w in result["winners"])
    assert all(e["detail"]["draw_id"] == draw_id and e["detail"]["drawn_at"] and e["detail"]["lottery"] == "lottery-dev"
               and e["detail"]["event_id"] == f"{draw_id}/{e['detail']['employee_id']}" for e in events)
    # The draw's record in the Ledger, with its commitment and seed, for anyone who wants to check it.
    (record,) = [r for r in dev.export()["records"] if r["kind"] == "draw" and r["draw_id"] == draw_id]
    assert {e["detail"]["ledger_seq"] for e in events} == {record["seq"]}
    assert messages(dev, "dead_letter_queue_url") == []


def test_a_failing_event_bus_sends_the_batch_to_the_dead_letter_queue(dev):
    with inject(Fault("eventbridge", "PutEvents", "InternalException", 500)) as (fault,):
        result = dev.draw({"input": 1})
    assert result["status"] == "SUCCEEDED"  # the draw does not wait for its events
    assert dev.table("winners_table").scan()["Count"] == 1
    assert messages(dev, "winner_events_queue_url") == []
    (dead,) = messages(dev, "dead_letter_queue_url")
    assert dead["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert dead["requestContext"]["approximateInvokeCount"] == 4  # the first try and the mapping's 3 retries
    assert dead["DDBStreamBatchInfo"]["batchSize"] == 1
    assert dead["DDBStreamBatchInfo"]["streamArn"].split("/stream/")[0].endswith(f"table/{dev.outputs['winners_table']}")
    assert dead["responsePayload"]["errorType"] == "InternalException"
    assert fault.failed > 4  # botocore retried inside each of the four invocations too


def test_an_import_that_keeps_failing_lands_in_the_dead_letter_queue(dev):
    pool = dev.pool()
    with inject(Fault("dynamodb", "BatchWriteItem", "InternalServerError", 500)):  # every roster write
        dev.upload_roster(ROSTER)
    assert [e["employee_id"] for e in employees(dev)] == [f"{i:03d}" for i in range(1, 11)]  # the sample, untouched
    assert {k: v for k, v in dev.pool().items() if k != "generations"} == {k: v for k, v in pool.items() if k != "generations"}
    (dead,) = messages(dev, "dead_letter_queue_url")
    assert dead["requestContext"]["condition"] == "RetriesExhausted"
    assert dead["requestContext"]["approximateInvokeCount"] == 3  # the first try and two retries
    assert dead["requestPayload"]["Records"][0]["s3"]["object"]["key"] == "roster.csv"
    notices = dev.roster_notices()  # each try told the admins, by the error's name
    assert len(notices) == 3 and all("roster.csv was not imported (InternalServerError: " in n
                                     and "the live roster is unchanged" in n for n in notices), notices


def test_only_inserted_winners_become_events():
    image = {**{k: {"S": v} for k, v in {"employee_id": "e1", "employee_name": "Ann", "draw_id": "d",
                                         "drawn_at": "t", "lottery": "l"}.items()}, "ledger_seq": {"N": "7"}}
    records = [{"eventName": name, "dynamodb": {"NewImage": image}} for name in ("INSERT", "MODIFY")] + [
        {"eventName": "REMOVE", "dynamodb": {}}]
    (entry,) = winner_events.events_for(records, "bus")
    assert (entry["EventBusName"], entry["Source"], entry["DetailType"]) == ("bus", "lottery", "WinnerDrawn")
    assert json.loads(entry["Detail"]) == {"draw_id": "d", "employee_id": "e1", "employee_name": "Ann",
                                           "drawn_at": "t", "lottery": "l", "ledger_seq": 7, "event_id": "d/e1"}


def test_events_eventbridge_refuses_fail_the_batch(monkeypatch):
    class Refusing:
        def put_events(self, Entries):
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}] * len(Entries)}

    monkeypatch.setenv("EVENT_BUS_NAME", "bus")
    monkeypatch.setattr(winner_events, "client", lambda service: Refusing())
    image = {k: {"S": "x"} for k in ("employee_id", "employee_name", "draw_id", "drawn_at", "lottery")}
    with pytest.raises(winner_events.WinnerEventsFailed, match="1 WinnerDrawn events refused: InternalFailure"):
        winner_events.handler({"Records": [{"eventName": "INSERT", "dynamodb": {"NewImage": image}}]}, None)


def test_upload_then_draw_then_events(dev):
    """The whole path: HR uploads, a draw picks from that roster, consumers hear of each winner."""
    dev.upload_roster(ROSTER)
    result = dev.draw({"input": 2})
    assert result["status"] == "SUCCEEDED"
    events = messages(dev, "winner_events_queue_url")
    assert sorted(e["detail"]["employee_id"] for e in events) == sorted(w["employee_id"] for w in result["winners"])
    assert {e["detail"]["employee_id"] for e in events} <= {"x1", "x2", "x3"}
