"""Faults injected into the offline stack: retried with backoff, or a named failure that loses nothing."""

import pytest

from twin.faults import Fault, inject
from twin.lottery import NotifyError
from twin.stack import OfflineStack

THROTTLED = ("ProvisionedThroughputExceededException", 400)


@pytest.fixture
def dev(tmp_path):
    with OfflineStack("dev", tmp_path) as stack:
        yield stack


def recorded(stack) -> list[str]:
    return sorted(w["employee_id"] for w in stack.table("winners_table").scan()["Items"])


def test_a_lasting_sns_failure_keeps_the_winners_and_notify_resends_without_drawing(dev):
    with inject(Fault("sns", "Publish", "InternalError", 500)):
        result = dev.draw({"input": 2})
    assert (result["status"], result["error"]) == ("FAILED", "SNS.InternalErrorException")
    assert result["transitions"][-2]["state"] == "Send SNS"
    winners = sorted(w["employee_id"] for w in dev.table("draws_table").get_item(
        Key={"draw_id": result["execution"].rsplit(":", 1)[1]})["Item"]["winners"] for w in [w])
    assert recorded(dev) == winners and len(winners) == 2
    assert dev.announcements() == []
    sent = dev.notify(result["execution"])
    assert dev.announcements() == [sent["message"]]
    assert recorded(dev) == winners  # nobody chosen again
    with pytest.raises(NotifyError, match="announced at"):
        dev.notify(result["execution"])
    assert dev.notify(result["execution"], again=True)["message"] == sent["message"]


def test_notify_refuses_a_draw_that_recorded_nothing(dev):
    failed = dev.draw({"input": 0})
    with pytest.raises(NotifyError, match="no recorded draw"):
        dev.notify(failed["execution"])


@pytest.mark.parametrize("fault, error, recorded", [
    # The handler fails after taking the pool: it cannot read the employees the draw picked (the
    # first BatchGetItem, the commitment's, goes through).
    (Fault("dynamodb", "BatchGetItem", "InternalServerError", 500, after=1), "InternalServerError", True),
    # Lambda itself fails, so no handler code runs to let go: the state machine's Release Pool does.
    # Record Failure's Lambda fails too: the commitment stays open in the Ledger.
    (Fault("lambda", "Invoke", "ServiceException", 500, after=2), "Lambda.ServiceException", False),
    # The commitment goes through; each of Record's six tries (one and botocore's five retries) fails.
    (Fault("dynamodb", "TransactWriteItems", "InternalServerError", 500, after=1, times=6), "InternalServerError", True),
], ids=["select cannot read", "validate's Lambda fails", "record keeps failing"])
def test_a_draw_that_fails_after_taking_the_pool_lets_go_at_once_and_is_recorded(dev, fault, error, recorded):
    dev.import_roster("employee_id,employee_name\n" + "\n".join(f"e{i},E {i}" for i in range(8)))
    with inject(fault):
        result = dev.draw({"input": 2})
    assert (result["status"], result["error"]) == ("FAILED", error)
    assert [t["state"] for t in result["transitions"]][-3:] == ["Release Pool", "Record Failure", "Failed"]
    assert "holder" not in dev.pool()
    last = dev.export()["records"][-1]
    draw_id = result["execution"].rsplit(":", 1)[1]
    if recorded:  # failed, its seed revealed
        assert (last["kind"], last["draw_id"], last["error"]) == ("failed", draw_id, error)
    else:
        assert (last["kind"], last["draw_id"]) == ("commit", draw_id)
    assert dev.draw({"input": 1})["status"] == "SUCCEEDED"  # the next draw does not wait for a lease
