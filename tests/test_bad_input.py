"""Every bad input gets a named error, writes nothing and leaves earlier data intact."""


import pytest

from twin.stack import OfflineStack


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    with OfflineStack("dev", tmp_path_factory.mktemp("state")) as stack:
        assert stack.draw({"input": 2})["status"] == "SUCCEEDED"  # earlier data to keep
        yield stack


def snapshot(stack):
    return [sorted(stack.table(t).scan()["Items"], key=str) for t in ("employee_table", "winners_table", "draws_table")]


@pytest.mark.parametrize("execution_input, error", [
    ({}, "InvalidInput"),                           # input missing
    ({"input": 0}, "InvalidInput"),
    ({"input": -2}, "InvalidInput"),
    ({"input": 1.5}, "InvalidInput"),               # float
    ({"input": "2"}, "InvalidInput"),               # string
    ({"input": True}, "InvalidInput"),              # boolean
    ({"input": None}, "InvalidInput"),              # null
    ({"input": [2]}, "InvalidInput"),               # list
    ({"input": {"n": 2}}, "InvalidInput"),          # object
    ({"input": 11}, "InvalidInput"),                # above maxWinners (10 in Pulumi.dev.yaml)
    ({"input": 10**40}, "InvalidInput"),            # huge
    (2, "InvalidInput"),                            # not an object at all
    ("draw two", "InvalidInput"),
    ([{"input": 2}], "InvalidInput"),
    (None, "InvalidInput"),
    ({"input": 2, "exception": "boom"}, "CustomError"),  # the seed's failure path
    ({"input": 9}, "NotEnoughEligibleEmployees"),   # above the 8 who never won
], ids=repr)
def test_the_state_machine_refuses_bad_input(dev, execution_input, error):
    before = snapshot(dev)
    result = dev.draw(execution_input)
    assert (result["status"], result["error"]) == ("FAILED", error)
    assert result["cause"] and result["winners"] == []
    assert result["transitions"][-1]["state"] == "Failed"
    assert snapshot(dev) == before
