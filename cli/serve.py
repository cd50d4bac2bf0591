"""`lottery serve`: the stack's HTTP API on 127.0.0.1, routed the way API Gateway routes it.

The routes, their integrations and the function behind them are read from the API the stack
deployed into moto; each request becomes the payload-2.0 event API Gateway sends and is handed to
that function through Lambda's Invoke. Offline, requests are not checked for a SigV4 signature.
"""

import json
import re
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import boto3

from .siblings import DRAW_TIMEOUT_S

POLL_S = 0.05  # how often a stopping server looks whether its draws have ended (and a client at a draw)


class NoApi(Exception):
    """The stack was deployed without its API (lottery:api is false)."""


class ApiRouter:
    """Route key -> the function its integration invokes, as deployed."""

    def __init__(self, api_id: str, region: str):
        if not api_id:
            raise NoApi("this stack has no API: set lottery:api to true")
        self.api_id = api_id
        gateway = boto3.client("apigatewayv2", region_name=region)
        self.functions = boto3.client("lambda", region_name=region)
        self.routes = []
        for route in gateway.get_routes(ApiId=api_id)["Items"]:
            method, template = route["RouteKey"].split(" ", 1)
            integration = gateway.get_integration(ApiId=api_id, IntegrationId=route["Target"].removeprefix("integrations/"))
            pattern = re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")
            self.routes.append((method, pattern, route["RouteKey"], integration["IntegrationUri"]))

    def handle(self, method: str, target: str, headers: dict, body: str) -> tuple[int, dict, str]:
        url = urlsplit(target)
        for route_method, pattern, route_key, function in self.routes:  # noqa: B007 - the match is used after the loop
            match = pattern.match(url.path)
            if match and route_method == method:
                break
        else:
            return 404, {"Content-Type": "application/json"}, json.dumps({"message": "Not Found"})
        query: dict[str, str] = {}
        for key, value in parse_qsl(url.query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value  # as API Gateway joins repeats
        event = {
            "version": "2.0", "routeKey": route_key, "rawPath": url.path, "rawQueryString": url.query,
            "headers": {k.lower(): v for k, v in headers.items()},
            "queryStringParameters": query or None, "pathParameters": match.groupdict() or None,
            "requestContext": {
                "apiId": self.api_id, "stage": "$default", "routeKey": route_key, "requestId": str(uuid.uuid4()),
                "timeEpoch": int(time.time() * 1000),
                "http": {"method": method, "path": url.path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                         "userAgent": headers.get("User-Agent", "")},
            },
            "body": body or None, "isBase64Encoded": False,
        }
        answer = self.functions.invoke(FunctionName=function, Payload=json.dumps(event))
        payload = json.loads(answer["Payload"].read() or "null")
        if answer.get("FunctionError") or not isinstance(payload, dict) or "statusCode" not in payload:
            return 500, {"Content-Type": "application/json"}, json.dumps({"message": "Internal Server Error"})
        return payload["statusCode"], payload.get("headers") or {}, payload.get("body") or ""


def make_server(router, port: int, after_request=lambda: None) -> ThreadingHTTPServer:
    """A loopback server for `router`; `after_request` runs after each answer (the CLI saves state)."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            status, headers, text = router.handle(self.command, self.path, dict(self.headers), body)
            data = text.encode()
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            after_request()

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format, *args):  # one line a request, on stderr
            super().log_message(format, *args)

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def cmd_serve(lottery, args) -> int:
    if args.target != "offline":
        print("serve runs the offline stack's API; the deployed API is at the stack's api_url", file=sys.stderr)
        return 2
    router, saving, stopped = ApiRouter(lottery.outputs["api_id"], lottery.region), threading.Lock(), threading.Event()

    class Router:  # no draw starts while the state is being saved, nor once the last save is done
        def handle(self, method, *request):
            if method != "POST":
                return router.handle(method, *request)
            with saving:
                if stopped.is_set():
                    return 503, {"Content-Type": "application/json"}, json.dumps({"message": "lottery serve is stopping"})
                return router.handle(method, *request)

    def save():
        # After each request, if no draw runs: a save never holds half a draw (nor the pool's lease);
        # the items that changed meanwhile wait in changes.py for the next. One thread at a time saves,
        # so an item read earlier never overwrites the same item read later.
        with saving:
            if not stopped.is_set() and not _running(lottery):
                lottery.saved()

    server = make_server(Router(), args.port, save)
    host, port = str(server.server_address[0]), server.server_address[1]
    if args.lock:  # a `lottery draw` that finds the state held now draws through this server
        args.lock.record(command="serve", url=f"http://{host}:{port}")
    print(f"Serving stack {args.stack}'s API on http://{host}:{port} (POST /commitments, POST /draws, GET /draws/{{id}},"
          " GET /draws/{id}/proof, GET /winners); Ctrl-C stops",
          flush=True)
    terminate = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl-C does
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        with saving:  # let the draws the server started end, so the last save holds them whole
            deadline = time.monotonic() + DRAW_TIMEOUT_S
            while _running(lottery) and time.monotonic() < deadline:
                time.sleep(POLL_S)
            lottery.saved()
            stopped.set()
        signal.signal(signal.SIGTERM, terminate)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _running(lottery) -> list[dict]:
    return lottery.sfn.list_executions(stateMachineArn=lottery.outputs["state_machine_arn"], statusFilter="RUNNING")["executions"]
