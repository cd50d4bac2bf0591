"""The stack's HTTP API as the `lottery night` commands and `lottery serve --target aws` call it:
in this process offline (the API deployed into moto), through the `lottery serve` that holds the
state, or the deployed API signed with the caller's AWS credentials (SigV4, as `AWS_IAM` routes
require)."""

import json
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from .serve import ApiRouter, NoApi

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


class ApiError(Exception):
    """The API refused a request: its error name and message."""

    def __init__(self, status: int, answer: dict):
        self.status, self.name = status, answer.get("error") or f"HTTP {status}"
        super().__init__(f"{self.name}: {answer.get('message', '')}".rstrip(": "))


def call(router, method: str, path: str, body: dict | None = None, ok=(200, 201, 202)) -> dict:
    """One JSON request; the answer, or ApiError."""
    status, _, text = router.handle(method, path, {}, json.dumps(body) if body is not None else "")
    raw = text.decode() if isinstance(text, bytes) else text
    try:
        answer = json.loads(raw or "{}")
    except ValueError:
        answer = {"message": raw[:200]}
    if status not in ok:
        raise ApiError(status, answer if isinstance(answer, dict) else {})
    return answer
