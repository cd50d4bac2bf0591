"""`lottery serve`: the API's routes over real HTTP on loopback, through the API the stack deploys."""

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from cli.serve import ApiRouter, NoApi, make_server
from cli.verify import verify
from twin.stack import OfflineStack


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One stack and server for the module: each test below leaves it as any client would."""
    with OfflineStack("dev", tmp_path_factory.mktemp("state")) as stack:
        server = make_server(ApiRouter(stack.outputs["api_id"], stack.region), 0, stack.saved)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield stack, f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def request(url, method="GET", body=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    try:
        headers = {"Content-Type": "application/json"} if data is not None else {}
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=30) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def finished(base, location) -> dict:
    """Poll GET /draws/{id} as a client would until the draw ends."""
    deadline = time.time() + 20
    while (draw := request(base + location)[2])["status"] == "RUNNING" and time.time() < deadline:
        time.sleep(0.05)
    return draw


def test_post_then_poll_then_list(served):
    stack, base = served
    announced = len(stack.announcements())
    status, headers, started = request(f"{base}/draws", "POST", {"winners": 2})
    assert status == 202 and headers["Location"] == f"/draws/{started['draw_id']}"
    draw = finished(base, headers["Location"])
    assert draw["status"] == "SUCCEEDED" and len(draw["winners"]) == 2 and draw["error"] is None
    assert all(w["employee_name"] in draw["announcement"] for w in draw["winners"])
    status, _, listed = request(f"{base}/winners?limit=2")
    assert status == 200  # newest first: this draw's two
    assert sorted(w["employee_id"] for w in listed["winners"]) == sorted(w["employee_id"] for w in draw["winners"])
    assert stack.announcements()[announced:] == [draw["announcement"]]


def test_commit_publish_then_draw_with_the_public_value_and_prove_it(served):
    stack, base = served
    status, headers, commitment = request(f"{base}/commitments", "POST", {"winners": 2, "public": "the audience's number"})
    assert status == 201 and headers["Location"] == f"/draws/{commitment['draw_id']}"
    assert (commitment["kind"], commitment["winners"], commitment["public"]) == ("commit", 2, "the audience's number")
    published = request(base + headers["Location"])[2]  # what the big screen shows before the number is called
    assert (published["status"], published["commitment"], published["record"]) == ("COMMITTED", commitment, None)
    assert "seed" not in json.dumps(published).replace("seed_hash", "")
    status, _, started = request(f"{base}/draws", "POST", {"commitment": commitment["draw_id"], "public_value": "17"})
    assert (status, started["draw_id"], started["winners"]) == (202, commitment["draw_id"], 2)
    draw = finished(base, headers["Location"])
    assert draw["status"] == "SUCCEEDED" and draw["record"]["public_value"] == "17"
    assert draw["winners"] == draw["record"]["winners"] and draw["record"]["commitment"] == commitment["seq"]
    # Started once only; a commitment nobody made cannot be drawn.
    again = request(f"{base}/draws", "POST", {"commitment": commitment["draw_id"], "public_value": "18"})
    assert (again[0], again[2]["error"]) == (404, "NotFound")
    unknown = request(f"{base}/draws", "POST", {"commitment": "Lottery-3f1c2b6e-0000-4000-8000-000000000000",
                                                 "public_value": "1"})
    assert (unknown[0], unknown[2]["error"]) == (404, "NotFound")
    status, _, proof = request(f"{base}/draws/{commitment['draw_id']}/proof")
    assert status == 200 and proof["records"][-1] == draw["record"] and not proof["complete"]
    assert any("public value '17' (the audience's number)" in line for line in verify(proof))
    status, _, mine = request(f"{base}/draws/{commitment['draw_id']}/proof?employee=003")
    assert status == 200 and "rosters" not in mine and any("003 was in its pool" in line for line in verify(mine, "003"))


@pytest.mark.parametrize("body", [b'{"winners": 2}', b'{"winners": 2, "public": 5}', b'{"winners": 0, "public": "x"}',
                                  b'{"winners": 2, "public": ""}', b"[]"])
def test_bad_commitments_are_400_and_commit_nothing(served, body):
    stack, base = served
    records = len(stack.export()["records"])
    status, _, answer = request(f"{base}/commitments", "POST", body)
    assert (status, answer["error"]) == (400, "InvalidInput")
    assert len(stack.export()["records"]) == records


@pytest.mark.parametrize("body", [b"", b"{", b'{"winners": 0}', b'{"winners": "2"}', b'{"winners": 99}', b"[2]"])
def test_bad_bodies_are_400_and_start_nothing(served, body):
    stack, base = served
    started = stack.sfn.list_executions(stateMachineArn=stack.outputs["state_machine_arn"])["executions"]
    status, _, answer = request(f"{base}/draws", "POST", body)
    assert (status, answer["error"]) == (400, "InvalidInput")
    assert stack.sfn.list_executions(stateMachineArn=stack.outputs["state_machine_arn"])["executions"] == started


@pytest.mark.parametrize("path", ["/draws/Lottery-3f1c2b6e-0000-4000-8000-000000000000", "/draws/whatever", "/nothing", "/draws",
                                  "/draws/Lottery-3f1c2b6e-0000-4000-8000-000000000000/proof"])
def test_unknown_draws_and_routes_are_404(served, path):
    assert request(served[1] + path)[0] == 404


def test_a_failed_draw_reports_its_error(served):
    stack, base = served
    if left := int(stack.pool()["eligible"]):  # draw everyone who is left; then nobody is
        assert finished(base, request(f"{base}/draws", "POST", {"winners": left})[1]["Location"])["status"] == "SUCCEEDED"
    draw = finished(base, request(f"{base}/draws", "POST", {"winners": 1})[1]["Location"])
    assert (draw["status"], draw["error"], draw["winners"]) == ("FAILED", "NotEnoughEligibleEmployees", [])


def test_a_stack_without_its_api_cannot_be_served():
    with pytest.raises(NoApi, match="lottery:api"):
        ApiRouter("", "us-east-1")


def test_phones_reach_only_the_page_its_results_and_check_in():
    from cli.serve import allowed

    for method, target in (("GET", "/"), ("GET", "/qrcode.js"), ("GET", "/night"), ("POST", "/night/checkin")):
        assert allowed("192.168.1.23", method, target) and allowed("::1", method, target)
    for method, target in (("POST", "/draws"), ("POST", "/night"), ("POST", "/night/exclude"), ("GET", "/draws/x"),
                           ("GET", "/night/results.xlsx"), ("GET", "/winners"), ("POST", "/commitments"),
                           ("GET", "/night/code")):
        assert not allowed("192.168.1.23", method, target), target
        assert allowed("127.0.0.1", method, target)


def test_serve_for_aws_signs_each_request_with_the_callers_credentials(monkeypatch):
    """What `lottery serve --target aws` forwards to the deployed API carries a SigV4 signature for
    execute-api in the stack's region, over the body it sends."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from cli.api_client import SignedRouter

    seen = {}

    class Api(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.update(path=self.path, headers=dict(self.headers), body=self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(202)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"draw_id": "Lottery-x"}')

        def log_message(self, *args):
            pass

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    try:
        status, _, answer = SignedRouter(f"http://127.0.0.1:{api.server_address[1]}/", "cn-northwest-1").handle(
            "POST", "/draws", {}, '{"prize": "third"}')
    finally:
        api.shutdown()
        api.server_close()
    assert (status, json.loads(answer)) == (202, {"draw_id": "Lottery-x"})
    assert seen["path"] == "/draws" and seen["body"] == b'{"prize": "third"}'
    authorization = seen["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/cn-northwest-1/execute-api/aws4_request" in authorization and "X-Amz-Date" in seen["headers"]
    with pytest.raises(NoApi, match="no API"):
        SignedRouter("", "cn-northwest-1")


@pytest.mark.parametrize("headers, status", [
    ({"Host": "evil.example:80"}, 403),  # DNS rebinding: a name of the attacker's that points here
    ({"Origin": "https://evil.example"}, 403),  # a page elsewhere, in the organiser's browser
    ({"Content-Type": "text/plain"}, 415),  # a "simple" cross-site POST, sent without asking first
    ({"Content-Type": "application/json", "Origin": "http://localhost:{port}"}, 202),
])
def test_serve_answers_no_other_site_in_the_organisers_browser(served, headers, status):
    _, base = served
    port = base.rsplit(":", 1)[1]
    headers = {k: v.replace("{port}", port) for k, v in headers.items()}
    request = urllib.request.Request(f"{base}/draws", data=b'{"winners": 1}', method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            got = answer.status
    except urllib.error.HTTPError as error:
        got = error.code
    assert got == status


def test_serve_for_aws_gives_phones_the_deployed_page_only_if_it_answers_unsigned(served):
    from cli.serve import _answers_unsigned

    _, base = served
    assert _answers_unsigned(base + "/")  # as a publicScreen API answers GET /night
    assert not _answers_unsigned("http://127.0.0.1:9/")  # nothing there, or 403 from an AWS_IAM route
