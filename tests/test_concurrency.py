"""Many draws at once: every one succeeds, nobody wins twice, every record has its announcement."""

from collections import Counter

import pytest

from offline.stack import OfflineStack


@pytest.mark.slow  # about 7 s: twenty draws take turns on the pool
def test_twenty_draws_at_once_on_a_pool_of_a_hundred(tmp_path):
    with OfflineStack("dev", tmp_path) as dev:
        dev.import_roster("employee_id,employee_name\n" + "\n".join(f"e{i:03d},Employee {i}" for i in range(100)))
        executions = [dev.start({"input": 2}) for _ in range(20)]
        results = [dev.wait(arn) for arn in executions]
        winners = dev.table("winners_table").scan()["Items"]
        draws = [d for d in dev.table("draws_table").scan()["Items"] if d["draw_id"] != "#pool"]
        announcements = dev.announcements()
        pool = dev.table("draws_table").get_item(Key={"draw_id": "#pool"})["Item"]
    assert Counter(r["status"] for r in results) == {"SUCCEEDED": 20}
    drawn = [w["employee_id"] for r in results for w in r["winners"]]
    assert len(drawn) == len(set(drawn)) == 40
    assert sorted(w["employee_id"] for w in winners) == sorted(drawn)
    assert len(draws) == 20 and all(d.get("announced_at") for d in draws)
    assert len(announcements) == 20
    assert pool["eligible"] == 60 and "holder" not in pool
