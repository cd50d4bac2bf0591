"""Faults a draw survives (retried with backoff) or fails by name (writing nothing), on one offline
stack shared by the module: each test looks only at what its own draw changed."""

import pytest
from test_faults import THROTTLED, recorded

from twin.faults import Fault, inject
from twin.stack import OfflineStack


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Every draw here ends, succeeded or failed, with the pool let go. 60 employees: enough for
    every draw of two here."""
    with OfflineStack("dev", tmp_path_factory.mktemp("faults")) as stack:
        stack.import_roster("employee_id,employee_name\n" + "\n".join(f"f{i:02d},Name {i}" for i in range(60)))
        yield stack


@pytest.mark.parametrize("fault", [
    Fault("dynamodb", "BatchGetItem", *THROTTLED, times=2),  # Random Select Winners reads the roster
    Fault("dynamodb", "UpdateItem", "InternalServerError", 500, times=2),  # ... takes the pool
    Fault("dynamodb", "BatchGetItem", *THROTTLED, times=2, after=1),  # Validate Winners
    Fault("dynamodb", "TransactWriteItems", "InternalServerError", 500, times=2),  # Record In Dynamodb
    Fault("lambda", "Invoke", "TooManyRequestsException", 429, times=2),  # Step Functions -> Lambda
    Fault("sns", "Publish", "Throttled", 400, times=1),  # Send SNS
    # Record Announcement, after the pool was taken: the integration names it DynamoDB.InternalServerError.
    Fault("dynamodb", "UpdateItem", "InternalServerError", 500, times=1, after=1),
    Fault("dynamodb", "UpdateItem", *THROTTLED, times=2, after=1),
], ids=lambda f: f"{f.service}.{f.operation}.{f.code}.after{f.after}")
def test_a_passing_fault_is_retried_and_the_draw_succeeds(shared, fault):
    before, announced = recorded(shared), len(shared.announcements())
    with inject(fault):
        result = shared.draw({"input": 2})
    assert fault.failed == fault.times
    assert result["status"] == "SUCCEEDED", result
    assert recorded(shared) == sorted(before + [w["employee_id"] for w in result["winners"]])
    assert len(shared.announcements()) == announced + 1


@pytest.mark.parametrize("fault, error", [
    (Fault("dynamodb", "BatchGetItem", *THROTTLED), "ProvisionedThroughputExceededException"),
    (Fault("dynamodb", "TransactWriteItems", "InternalServerError", 500), "InternalServerError"),
    (Fault("lambda", "Invoke", "TooManyRequestsException", 429), "Lambda.TooManyRequestsException"),
], ids=lambda f: getattr(f, "operation", f))
def test_a_lasting_fault_before_the_record_fails_named_and_writes_nothing(shared, fault, error):
    before, announced = recorded(shared), len(shared.announcements())
    with inject(fault):
        result = shared.draw({"input": 2})
    assert (result["status"], result["error"]) == ("FAILED", error)
    assert fault.failed > 1  # it was retried first
    assert recorded(shared) == before and len(shared.announcements()) == announced
    assert shared.draw({"input": 2})["status"] == "SUCCEEDED"  # the pool was not left held
