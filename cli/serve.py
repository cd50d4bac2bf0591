"""`lottery serve`: the stack's HTTP API on 127.0.0.1, routed the way API Gateway routes it.

The routes, their integrations and the function behind them are read from the API the stack
deployed into moto; each request becomes the payload-2.0 event API Gateway sends and is handed to
that function through Lambda's Invoke. Offline, requests are not checked for a SigV4 signature.
"""

import json
import re
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import boto3


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
        for route_method, pattern, route_key, function in self.routes:
            match = pattern.match(url.path)
            if match and route_method == method:
                break
        else:
            return 404, {"Content-Type": "application/json"}, json.dumps({"message": "Not Found"})
        query = {}
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


def make_server(router: ApiRouter, port: int, after_request=lambda: None) -> ThreadingHTTPServer:
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
