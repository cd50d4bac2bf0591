"""`lottery serve --aws`: the offline stack as an AWS endpoint, driven by boto3 and the real AWS CLI.

One `lottery serve --aws` process serves the module, as a user starts it; its last test stops it.
tests/test_tutorial.py runs the README's tutorial against one of its own.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from cli.verify import verify
from conftest import saved_items, until

ROOT = Path(__file__).resolve().parents[1]
AWS_CLI = Path(sys.executable).with_name("aws")
SEED_ITEMS = ROOT / "data" / "request-items.json"
ROSTER = "employee_id,employee_name\n" + "".join(f"e{n:02},Employee {n}\n" for n in range(1, 61))
DEADLINE_S = 120  # for what should take a second: a stuck server fails the test instead of hanging the suite


@dataclass
class Served:
    process: subprocess.Popen
    state_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    printed: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.env["AWS_ENDPOINT_URL"]

    def client(self, service: str, **config):
        return boto3.client(service, endpoint_url=self.url, region_name=self.env["AWS_REGION"], config=Config(**config),
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def saved(self) -> dict[str, list[dict]]:
        return saved_items(self.state_dir / "dev.sqlite")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`lottery serve --aws` on free ports, and what it prints, line by line."""
    state_dir = tmp_path_factory.mktemp("state")
    errors = (state_dir / "stderr.txt").open("w")
    process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--aws", "--port", "0", "--aws-port", "0",
                                "--state-dir", str(state_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=errors, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    server = Served(process, state_dir)
    threading.Thread(target=lambda: server.printed.extend(process.stdout), daemon=True).start()
    try:
        env_file = state_dir / "dev.aws.env"
        until(lambda: process.poll() is not None or env_file.exists() and sum(line.startswith("  export ") for line in server.printed)
              == len(env_file.read_text().splitlines()), "the endpoint started and printed its exports")
        assert process.poll() is None, server.printed
        sourced = subprocess.run(["bash", "-c", f". {state_dir / 'dev.aws.env'} && env -0"], env={}, capture_output=True,
                                 text=True, check=True).stdout
        server.env = dict(line.split("=", 1) for line in sourced.split("\0") if "=" in line)  # what a shell sourcing it has
        yield server
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
        errors.close()


def aws(served: Served, *args: str) -> subprocess.CompletedProcess:
    """The AWS CLI, with what `lottery serve --aws` printed and nothing of this machine's (no ~/.aws)."""
    env = {"PATH": os.environ["PATH"], "HOME": str(served.state_dir), **served.env}
    return subprocess.run([str(AWS_CLI), *args], env=env, capture_output=True, text=True, timeout=DEADLINE_S)


def wait(sfn, arn: str) -> dict:
    """DescribeExecution until the execution ends, as a client polls (Step Functions has no waiter for it)."""
    return until(lambda: (e := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and e, f"{arn} ended")


def pool_size(served: Served) -> int:
    item = served.client("dynamodb").get_item(TableName=served.env["DRAWS_TABLE"], Key={"draw_id": {"S": "#pool"}})["Item"]
    return int(item["pool_size"]["N"])


def winners(served: Served) -> list[str]:
    items = served.client("dynamodb").scan(TableName=served.env["WINNERS_TABLE"])["Items"]
    return [item["employee_id"]["S"] for item in items if not item["employee_id"]["S"].startswith("#")]


def test_it_prints_what_to_export_and_the_stacks_outputs(served):
    assert served.env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:") and served.env["AWS_REGION"] == "cn-northwest-1"
    assert served.env["STATE_MACHINE_ARN"].startswith("arn:aws-cn:states:cn-northwest-1:")
    assert {"EMPLOYEE_TABLE", "WINNERS_TABLE", "ROSTER_BUCKET", "NOTIFICATION_TOPIC_ARN", "INPUTWINNERS_FUNCTION"} <= set(served.env)
    assert served.env["API_URL"].startswith("http://127.0.0.1:")  # the API `lottery serve` serves beside it
    printed = "".join(served.printed)
    assert f"In another terminal: . {served.state_dir / 'dev.aws.env'}" in printed
    assert f"export STATE_MACHINE_ARN={served.env['STATE_MACHINE_ARN']}" in printed


def test_the_aws_cli_loads_the_roster_starts_a_draw_and_reads_the_winners(served, tmp_path):
    (tmp_path / "staff.csv").write_text(ROSTER)
    uploaded = aws(served, "s3", "cp", str(tmp_path / "staff.csv"), f"s3://{served.env['ROSTER_BUCKET']}/staff.csv")
    assert uploaded.returncode == 0, uploaded.stderr
    until(lambda: pool_size(served) == 60, "the upload imported itself, as on AWS (in the background)")

    started = aws(served, "stepfunctions", "start-execution", "--state-machine-arn", served.env["STATE_MACHINE_ARN"],
                  "--input", '{"input": 2}')  # no --name, as in the tutorial: AWS names it, and so does the twin
    assert started.returncode == 0, started.stderr
    arn = json.loads(started.stdout)["executionArn"]
    name = arn.rsplit(":", 1)[1]
    assert len(name) == 36 and name.count("-") == 4
    wait(served.client("stepfunctions"), arn)
    described = json.loads(aws(served, "stepfunctions", "describe-execution", "--execution-arn", arn).stdout)
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    drawn = [w["employee_id"] for w in output["selection"]["winners"]]
    scanned = aws(served, "dynamodb", "scan", "--table-name", served.env["WINNERS_TABLE"])
    assert scanned.returncode == 0 and set(drawn) <= {i["employee_id"]["S"] for i in json.loads(scanned.stdout)["Items"]}
    until(lambda: f"Notification: {output['message']}\n" in served.printed, "the announcement printed")


def test_the_seeds_batch_write_is_refused_for_the_key_and_writes_nothing(served, tmp_path):
    items = tmp_path / "request-items.json"
    items.write_text(SEED_ITEMS.read_text().replace("Lottery-Employee", served.env["EMPLOYEE_TABLE"]))
    before = served.client("dynamodb").scan(TableName=served.env["EMPLOYEE_TABLE"], Select="COUNT")["Count"]
    refused = aws(served, "dynamodb", "batch-write-item", "--request-items", f"file://{items}")
    assert refused.returncode != 0 and "(ValidationException)" in refused.stderr and "Missing the key roster" in refused.stderr
    assert served.client("dynamodb").scan(TableName=served.env["EMPLOYEE_TABLE"], Select="COUNT")["Count"] == before


def test_ten_executions_started_at_once_all_succeed_and_nobody_wins_twice(served):
    served.client("s3").put_object(Bucket=served.env["ROSTER_BUCKET"], Key="staff.csv", Body=ROSTER.encode())
    before = set(winners(served))

    def draw(n: int) -> dict:
        own = served.client("stepfunctions")  # one client each, as ten separate programs would have
        return wait(own, own.start_execution(stateMachineArn=served.env["STATE_MACHINE_ARN"], input='{"input": 2}')["executionArn"])

    with ThreadPoolExecutor(10) as pool:
        executions = list(pool.map(draw, range(10)))
    assert [e["status"] for e in executions] == ["SUCCEEDED"] * 10
    drawn = [w["employee_id"] for e in executions for w in json.loads(e["output"])["selection"]["winners"]]
    assert len(drawn) == 20 and len(set(drawn)) == 20 and not set(drawn) & before
    assert set(winners(served)) == before | set(drawn)


def status(served: Served, path: str = "/", headers: dict | None = None) -> int:
    sent = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/cn-northwest-1/states/aws4_request, "
                             "SignedHeaders=host, Signature=0"}
    request = urllib.request.Request(served.url + path, data=b"{}", method="POST", headers=sent | (headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=DEADLINE_S) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def raw(served: Served, request: bytes) -> bytes:
    """Send `request` as it is, on a socket of its own; the status line answered."""
    with socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1])), timeout=DEADLINE_S) as connection:
        connection.sendall(request)
        return connection.makefile("rb").readline()


def test_web_pages_unsigned_requests_and_motos_own_controls_are_refused(served):
    assert status(served) == 200  # what an AWS client sends
    assert status(served, headers={"Origin": "http://evil.example"}) == 403
    assert status(served, headers={"Host": "evil.example"}) == 403  # DNS rebinding
    assert status(served, headers={"Authorization": ""}) == 403  # unsigned, as a web page's form would be
    assert status(served, "/moto-api/reset") == 403
    assert status(served, "/%6Doto-api/reset") == 403  # moto decodes the path it routes by
    presigned = "?X-Amz-Credential=a%2F20260101%2Fr%2Fs3%2Faws4_request&X-Amz-Signature=0"  # what an <img> could ask for
    bogus = "Bogus Credential=x/20260101/cn-northwest-1/dynamodb/aws4_request"  # a presigned URL is S3's, whatever else it says
    assert status(served, presigned, {"Authorization": bogus, "X-Amz-Target": "DynamoDB_20120810.ListTables"}) == 403
    unknown = "AWS4-HMAC-SHA256 Credential=x/20260101/cn-northwest-1/nosuchservice/aws4_request, SignedHeaders=host, Signature=0"
    assert status(served, headers={"Authorization": unknown}) == 400
    for path in ("/moto-api/", "/moto-api/recorder/start-recording", "/moto-api/seed?a=1&"):
        with pytest.raises(urllib.error.HTTPError, match="403"):
            urllib.request.urlopen(served.url + path + presigned.lstrip("?" if "?" in path else ""), timeout=DEADLINE_S)
    motoapi = "AWS4-HMAC-SHA256 Credential=x/20260101/amazonaws.com/motoapi/aws4_request, SignedHeaders=host, Signature=0"
    port = served.url.rsplit(":", 1)[1]
    for target in (b"moto-api/reset", b"/"):  # moto would route either to its reset, by the path or by the signature
        answered = raw(served, b"POST " + target + f" HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {motoapi}\r\n"
                       "Content-Length: 0\r\nConnection: close\r\n\r\n".encode())
        assert answered.startswith(b"HTTP/1.1 403"), answered
    machines = served.client("stepfunctions").list_state_machines()["stateMachines"]
    assert [m["stateMachineArn"] for m in machines] == [served.env["STATE_MACHINE_ARN"]]  # still deployed


def test_a_stalled_client_and_a_long_poll_hold_up_no_one(served):
    port = served.url.rsplit(":", 1)[1]
    sqs = served.client("sqs", read_timeout=DEADLINE_S)
    queue = sqs.create_queue(QueueName="long-poll")["QueueUrl"]
    polled: list[dict] = []
    poller = threading.Thread(target=lambda: polled.append(sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)))
    with socket.create_connection(("127.0.0.1", int(port))) as stalled:
        stalled.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 100\r\n"
                        "Authorization: AWS4-HMAC-SHA256 Credential=x/20260101/cn-northwest-1/dynamodb/aws4_request\r\n\r\n{".encode())
        poller.start()
        time.sleep(1)  # the poll under way (were it not yet, the answer below would prove less, never fail)
        table = served.client("dynamodb").describe_table(TableName=served.env["WINNERS_TABLE"])  # answered meanwhile
        assert table["Table"]["TableStatus"] == "ACTIVE" and poller.is_alive()
    served.client("sqs").send_message(QueueUrl=queue, MessageBody="done")  # ends the poll
    poller.join(DEADLINE_S)
    assert polled[0]["Messages"][0]["Body"] == "done"
    cli = aws(served, "sqs", "get-queue-url", "--queue-name", "long-poll", "--endpoint-url", served.url)
    assert cli.returncode == 0 and json.loads(cli.stdout)["QueueUrl"].endswith("/long-poll")


def test_a_draw_is_saved_with_no_request_after_it(served):
    sfn = served.client("stepfunctions")
    execution = wait(sfn, sfn.start_execution(stateMachineArn=served.env["STATE_MACHINE_ARN"], input='{"input": 1}')["executionArn"])
    (winner,) = json.loads(execution["output"])["selection"]["winners"]
    until(lambda: winner["employee_id"] in {w["employee_id"] for w in served.saved()["winners_table"]}, "the draw saved")


def test_stopping_with_draws_running_saves_them_whole(served):  # the module's last: it stops the server
    sfn = served.client("stepfunctions")
    with ThreadPoolExecutor(10) as pool:
        arns = list(pool.map(lambda _: sfn.start_execution(stateMachineArn=served.env["STATE_MACHINE_ARN"],
                                                           input='{"input": 1}')["executionArn"], range(10)))
    served.process.send_signal(signal.SIGTERM)
    until(lambda: not (served.state_dir / "dev.aws.env").exists(), "the exports withdrawn, as stopping begins")
    for impatient in (signal.SIGTERM, signal.SIGINT):  # pressed again while the draws end: the last save goes on
        served.process.send_signal(impatient)
    assert served.process.wait(timeout=DEADLINE_S) == 0
    assert "lottery serve --aws:" not in (served.state_dir / "stderr.txt").read_text()  # the ticker never failed
    saved = served.saved()
    names = {arn.rsplit(":", 1)[1] for arn in arns}
    assert {d["status"] for d in saved["draws_table"] if d["draw_id"] in names} == {"drawn"}
    assert sum(1 for w in saved["winners_table"] if w["draw_id"] in names) == 10
    bundle = subprocess.run([sys.executable, "-m", "cli", "export", "--state-dir", str(served.state_dir)], cwd=ROOT,
                            capture_output=True, text=True, timeout=DEADLINE_S, check=True).stdout
    assert verify(json.loads(bundle), None)[-1].startswith("Verified")
