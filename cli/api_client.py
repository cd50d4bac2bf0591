"""The stack's HTTP API as the `lottery night` commands and `lottery serve --target aws` call it:
in this process offline (the API deployed into moto), through the `lottery serve` that holds the
state, or the deployed API signed with the caller's AWS credentials (SigV4, as `AWS_IAM` routes
require)."""

import json
import time
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from .serve import POLL_S, ApiRouter, NoApi
from .siblings import DRAW_TIMEOUT_S

TIMEOUT_S = 30


def _send(request: urllib.request.Request) -> tuple[int, dict, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=TIMEOUT_S) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class SignedRouter:
    """The deployed API at `url`, each request signed with the caller's credentials: what `lottery
    serve --target aws` forwards the page's requests to."""

    def __init__(self, url: str, region: str):
        if not url:
            raise NoApi("this stack has no API: set lottery:api to true")
        self.url, self.region = url.rstrip("/"), region
        self.credentials = boto3.Session().get_credentials()
        if self.credentials is None:
            raise NoApi("no AWS credentials to sign the API's requests with (aws configure, or AWS_PROFILE)")

    def handle(self, method: str, target: str, headers: dict, body: str) -> tuple[int, dict, bytes]:
        data = body.encode() if body else None
        request = AWSRequest(method=method, url=self.url + target, data=data,
                             headers={"Content-Type": "application/json"} if data else {})
        SigV4Auth(self.credentials.get_frozen_credentials(), "execute-api", self.region).add_auth(request)
        return _send(urllib.request.Request(self.url + target, data=data, headers=dict(request.headers.items()), method=method))


class LocalRouter:
    """A `lottery serve` on loopback that holds the state."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def handle(self, method: str, target: str, headers: dict, body: str) -> tuple[int, dict, bytes]:
        data = body.encode() if body else None
        return _send(urllib.request.Request(self.url + target, data=data, method=method,
                                            headers={"Content-Type": "application/json"} if data else {}))


def router_for(lottery, server: dict | None, target: str):
    """The router the commands call: the server holding the state, else the deployed API."""
    if server is not None:
        return LocalRouter(server["url"])
    if target == "aws":
        return SignedRouter(lottery.outputs.get("api_url") or "", lottery.region)
    return ApiRouter(lottery.outputs.get("api_id") or "", lottery.region)


class ApiError(ValueError):
    """The API refused a request: its error name and message."""

    def __init__(self, status: int, answer: dict, said: str | None = None):
        self.status, self.name, self.message = status, answer.get("error") or f"HTTP {status}", answer.get("message", "")
        super().__init__(said or f"{self.name}: {self.message}".rstrip(": "))


def exchange(router, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
    """One JSON request: status, headers, the answer (a proxy's page that is not JSON as its message)."""
    status, headers, text = router.handle(method, path, {}, json.dumps(body) if body is not None else "")
    raw = text.decode() if isinstance(text, bytes) else text
    try:
        answer = json.loads(raw or "{}")
    except ValueError:
        answer = {"message": raw[:200]}
    return status, headers, answer if isinstance(answer, dict) else {}


def call(router, method: str, path: str, body: dict | None = None, ok=(200, 201, 202)) -> dict:
    """One JSON request; the answer, or ApiError."""
    status, _, answer = exchange(router, method, path, body)
    if status not in ok:
        raise ApiError(status, answer)
    return answer


def finished(router, draw_id: str, started: float) -> dict:
    """Poll GET /draws/{id} until the draw ends: its answer; TimeoutError once it outlasts a draw's
    timeout from `started` (a perf_counter reading), ApiError if the API stops knowing it. Each GET
    is a Lambda invocation (offline, in the server's process): poll less often as the draw goes on."""
    delay = POLL_S
    while True:
        status, _, answer = exchange(router, "GET", f"/draws/{draw_id}")
        if status != 200 or "status" not in answer:  # the server lost it, or is not the lottery's API
            said = answer.get("error") or answer.get("message") or ""
            raise ApiError(status, answer, f"GET /draws/{draw_id} answered {status} {said}".rstrip())
        if answer["status"] != "RUNNING":
            return answer
        if time.perf_counter() - started > DRAW_TIMEOUT_S:
            raise TimeoutError(f"draw {draw_id} still running after {DRAW_TIMEOUT_S} s")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
