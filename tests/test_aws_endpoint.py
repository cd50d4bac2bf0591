"""`lottery serve --aws`: the offline stack as an AWS endpoint, driven by boto3 and the real AWS CLI.

The endpoint here is the one `lottery serve --aws` runs, in this process over a module's stack;
tests/test_tutorial.py runs the command itself, as the README's tutorial does.
"""

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from cli.aws_endpoint import Endpoint, env_file, environment, write_env
from conftest import saved_items
from twin.stack import OfflineStack

ROOT = Path(__file__).resolve().parents[1]
AWS_CLI = Path(sys.executable).with_name("aws")
SEED_ITEMS = ROOT / "data" / "request-items.json"
ROSTER = "employee_id,employee_name\n" + "".join(f"e{n:02},Employee {n}\n" for n in range(1, 41))


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """One stack served as `lottery serve --aws` serves it, on a free port."""
    lock, stopped = threading.Lock(), threading.Event()

    @contextlib.contextmanager
    def writing():
        with lock:
            yield not stopped.is_set()

    with OfflineStack("dev", tmp_path_factory.mktemp("state")) as stack, Endpoint(stack, 0, writing, stack.saved) as served:
        served.env = environment(served.url, stack.region, stack.outputs)
        yield stack, served


def client(served, service: str):
    return boto3.client(service, endpoint_url=served.url, region_name=served.env["AWS_DEFAULT_REGION"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def aws(served, *args: str) -> subprocess.CompletedProcess:
    """The AWS CLI, with the environment `lottery serve --aws` prints and nothing of this machine's."""
    env = {"PATH": os.environ["PATH"], "HOME": str(ROOT / "tests"), **served.env}  # no ~/.aws of the user's
    return subprocess.run([str(AWS_CLI), *args], env=env, capture_output=True, text=True, timeout=120)


def wait(sfn, arn: str) -> dict:
    """DescribeExecution until the execution ends, as a client polls (Step Functions has no waiter for it)."""
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        threading.Event().wait(0.05)
    return execution


def winners(served) -> list[str]:
    items = client(served, "dynamodb").scan(TableName=served.env["WINNERS_TABLE"])["Items"]
    return [item["employee_id"]["S"] for item in items if not item["employee_id"]["S"].startswith("#")]


def test_the_aws_cli_loads_the_roster_starts_a_draw_and_reads_the_winners(endpoint, tmp_path):
    stack, served = endpoint
    (tmp_path / "staff.csv").write_text(ROSTER)
    uploaded = aws(served, "s3", "cp", str(tmp_path / "staff.csv"), f"s3://{served.env['ROSTER_BUCKET']}/staff.csv")
    assert uploaded.returncode == 0, uploaded.stderr
    assert stack.pool()["pool_size"] == 40  # the upload imported itself, as on AWS

    started = aws(served, "stepfunctions", "start-execution", "--state-machine-arn", served.env["STATE_MACHINE_ARN"],
                  "--input", '{"input": 2}')  # no --name, as in the tutorial: AWS names it, and so does the twin
    assert started.returncode == 0, started.stderr
    arn = json.loads(started.stdout)["executionArn"]
    name = arn.rsplit(":", 1)[1]
    assert len(name) == 36 and name.count("-") == 4
    wait(client(served, "stepfunctions"), arn)
    described = aws(served, "stepfunctions", "describe-execution", "--execution-arn", arn)
    assert json.loads(described.stdout)["status"] == "SUCCEEDED"
    drawn = [w["employee_id"] for w in json.loads(json.loads(described.stdout)["output"])["selection"]["winners"]]
    scanned = aws(served, "dynamodb", "scan", "--table-name", served.env["WINNERS_TABLE"])
    assert scanned.returncode == 0 and set(drawn) <= {i["employee_id"]["S"] for i in json.loads(scanned.stdout)["Items"]}


def test_the_seeds_batch_write_is_refused_for_the_key_and_writes_nothing(endpoint, tmp_path):
    stack, served = endpoint
    items = tmp_path / "request-items.json"
    items.write_text(SEED_ITEMS.read_text().replace("Lottery-Employee", served.env["EMPLOYEE_TABLE"]))
    before = client(served, "dynamodb").scan(TableName=served.env["EMPLOYEE_TABLE"], Select="COUNT")["Count"]
    refused = aws(served, "dynamodb", "batch-write-item", "--request-items", f"file://{items}")
    assert refused.returncode != 0 and "ValidationException" in refused.stderr and "key" in refused.stderr
    assert client(served, "dynamodb").scan(TableName=served.env["EMPLOYEE_TABLE"], Select="COUNT")["Count"] == before


def test_ten_executions_started_at_once_all_succeed_and_nobody_wins_twice(endpoint):
    stack, served = endpoint
    client(served, "s3").put_object(Bucket=served.env["ROSTER_BUCKET"], Key="staff.csv", Body=ROSTER.encode())
    before = set(winners(served))
    sfn = client(served, "stepfunctions")

    def draw(n: int) -> dict:
        own = client(served, "stepfunctions")  # one client each, as ten separate programs would have
        arn = own.start_execution(stateMachineArn=served.env["STATE_MACHINE_ARN"], input=json.dumps({"input": 2}))["executionArn"]
        return wait(sfn, arn)

    with ThreadPoolExecutor(10) as pool:
        executions = list(pool.map(draw, range(10)))
    assert [e["status"] for e in executions] == ["SUCCEEDED"] * 10
    drawn = [w["employee_id"] for e in executions for w in json.loads(e["output"])["selection"]["winners"]]
    assert len(drawn) == 20 and len(set(drawn)) == 20 and not set(drawn) & before
    assert set(winners(served)) == before | set(drawn)


def test_the_announcement_is_printed_as_the_seeds_subscribers_receive_it(endpoint, capsys):
    stack, served = endpoint
    served.announce()
    capsys.readouterr()
    sfn = client(served, "stepfunctions")
    execution = wait(sfn, sfn.start_execution(stateMachineArn=served.env["STATE_MACHINE_ARN"], input='{"input": 1}')["executionArn"])
    served.announce()
    message = json.loads(execution["output"])["message"]
    assert capsys.readouterr().out == f"Notification: {message}\n" and message.startswith("Congrats! [")


def forbidden(served, path: str = "/", **headers) -> int:
    request = urllib.request.Request(served.url + path, data=b"{}", method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/cn-northwest-1/states/aws4_request", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_web_pages_other_hosts_and_motos_own_controls_are_refused(endpoint):
    stack, served = endpoint
    assert forbidden(served) == 200  # what an AWS client sends
    assert forbidden(served, Origin="http://evil.example") == 403
    assert forbidden(served, Host="evil.example:80") == 403  # DNS rebinding
    assert forbidden(served, "/moto-api/reset") == 403
    machines = client(served, "stepfunctions").list_state_machines()["stateMachines"]
    assert [m["stateMachineArn"] for m in machines] == [served.env["STATE_MACHINE_ARN"]]  # still deployed


def test_what_clients_write_is_saved_in_the_state_directory(endpoint):
    stack, served = endpoint
    with pytest.raises(ClientError, match="ResourceNotFoundException"):  # the seed's table names are Pulumi's here
        client(served, "dynamodb").scan(TableName="Lottery-Winners")
    sfn = client(served, "stepfunctions")
    execution = wait(sfn, sfn.start_execution(stateMachineArn=served.env["STATE_MACHINE_ARN"], input='{"input": 1}')["executionArn"])
    (winner,) = json.loads(execution["output"])["selection"]["winners"]
    deadline = time.monotonic() + 60  # the endpoint's own ticker saves it, with no request after the draw
    while winner["employee_id"] not in {w["employee_id"] for w in saved_items(stack.state_path)["winners_table"]}:
        assert time.monotonic() < deadline, "the draw was never saved"
        time.sleep(0.05)


def test_the_printed_environment_is_what_a_shell_sources(tmp_path):
    outputs = {"state_machine_arn": "arn:aws-cn:states:cn-northwest-1:1:stateMachine:m", "api_url": "",
               "function_names": {"InputWinners": "f-1"}, "roster_bucket": "b it's"}
    variables = environment("http://127.0.0.1:4566", "cn-northwest-1", outputs)
    assert variables == {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ACCESS_KEY_ID": "testing",
                         "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "cn-northwest-1",
                         "STATE_MACHINE_ARN": outputs["state_machine_arn"], "INPUTWINNERS_FUNCTION": "f-1",
                         "ROSTER_BUCKET": "b it's"}
    path = env_file(tmp_path, "dev")
    write_env(path, variables)
    shown = subprocess.run(["bash", "-c", f". {path} && env -0"], capture_output=True, text=True, env={}, check=True).stdout
    sourced = dict(line.split("=", 1) for line in shown.split("\0") if "=" in line)
    assert {k: sourced[k] for k in variables} == variables and path.name == "dev.aws.env"
