"""`lottery serve`: the stack's HTTP API on 127.0.0.1, routed the way API Gateway routes it.

The routes, their integrations and the function behind them are read from the API the stack
deployed into moto; each request becomes the payload-2.0 event API Gateway sends and is handed to
that function through Lambda's Invoke. Offline, requests are not checked for a SigV4 signature.
"""

import contextlib
import ipaddress
import json
import re
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

import boto3

from .aws_endpoint import WAIT_S, Endpoint, describe, env_file, environment, write_env
from .siblings import DRAW_TIMEOUT_S, SCREEN_ROUTES, night_rows

AWS_PORT = 4566  # `lottery serve --aws`: the port AWS tools know for a local endpoint (LocalStack's)
SAVE_WAIT_S = 1.0  # how long a save waits for the requests under way before it leaves them to the next save
POLL_S = 0.05  # how often a stopping server looks whether its draws have ended (and a client at a draw)


T = TypeVar("T")


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


def make_server(router, port: int, after_request=lambda: None, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server for `router` on `host` (loopback by default); `after_request` runs after each answer
    (the CLI saves state). Callers from other machines reach only the page, its results and check-in."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            refused = _refused(self, self.server.server_address[1], getattr(self.server, "public_host", None))
            if refused:
                status, headers, text = refused[0], {"Content-Type": "application/json"}, json.dumps(
                    {"error": "Forbidden" if refused[0] == 403 else "UnsupportedMediaType", "message": refused[1]})
            else:
                status, headers, text = router.handle(self.command, self.path, dict(self.headers), body)
            data = text if isinstance(text, bytes) else text.encode()
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

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # a room of phones connecting at once (the default backlog, 5, resets them)

    return Server((host, port), Handler)


def _refused(request, port: int, public_host: str | None) -> tuple[int, str] | None:
    """Why a request is not served, if it is not: from another machine, anything but the phones'
    routes; and from any page in any browser, what a web page elsewhere could send or read (the
    organiser's browser is also on this machine): a Host that is not this server's (DNS
    rebinding), an Origin that is not this server's, a POST that is not JSON (which a page of
    another origin cannot send without asking first, and this server never allows)."""
    if not allowed(request.client_address[0], request.command, request.path):
        return 403, "from another machine only the page, its results and check-in"
    hosts = {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")} | ({public_host} if public_host else set())
    if request.headers.get("Host") not in hosts:
        return 403, f"Host {request.headers.get('Host')!r} is not this server's"
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc not in hosts:
        return 403, f"requests from {origin} are not served"
    if request.command == "POST" and (request.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
        return 415, "a POST's body is JSON (Content-Type: application/json)"
    return None


def allowed(client: str, method: str, target: str) -> bool:
    """Whether a request from address `client` is served: anything from this machine, only the
    page, its results and check-in from any other (`lottery serve --phones`)."""
    return ipaddress.ip_address(client).is_loopback or f"{method} {urlsplit(target).path}" in SCREEN_ROUTES


class Screen:
    """What `lottery serve` adds to the API for the draw night's page: the results as XLSX (a
    library the Lambda runtime lacks), and in GET /night the address phones reach the page at."""

    def __init__(self, router, public_url: str | None):
        self.router, self.public_url = router, public_url

    def handle(self, method: str, target: str, headers: dict, body: str):
        path = urlsplit(target).path
        if method == "GET" and path == "/night/results.xlsx":
            from .night import night_id, xlsx  # openpyxl, only when asked for

            status, answered, text = self.router.handle("GET", "/night", headers, "")
            if status != 200:
                return status, answered, text
            shown = json.loads(text)
            name = night_id(shown)
            return 200, {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         "Content-Disposition": f'attachment; filename="{name}-results.xlsx"'}, xlsx(night_rows(shown), name)
        status, answered, text = self.router.handle(method, target, headers, body)
        if method == "GET" and path == "/night" and status == 200 and self.public_url:
            text = json.dumps({**json.loads(text), "public_url": self.public_url})
        return status, answered, text


def _answers_unsigned(api_url: str) -> bool:
    """Whether the deployed API answers GET /night unsigned (lottery:publicScreen): then phones reach its page."""
    from .api_client import LocalRouter

    try:
        return LocalRouter(api_url).handle("GET", "/night", {}, "")[0] == 200
    except OSError:
        return False


def _public_url(port: int) -> str:
    """Where phones on this machine's network reach `lottery serve --phones`: its address on the
    network the default route leads to (connecting a UDP socket sends no packet)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            host = probe.getsockname()[0]
        except OSError:  # no network: this machine only
            host = "127.0.0.1"
    return f"http://{host}:{port}/"


def cmd_serve(lottery, args) -> int:
    if args.target == "aws":  # the page and the API on loopback, each request signed with the operator's credentials
        from .api_client import SignedRouter

        if args.phones:
            print("--phones is offline only: phones reach a deployed stack's page at its api_url (lottery:publicScreen)",
                  file=sys.stderr)
            return 2
        api_url = lottery.outputs.get("api_url") or ""
        signed = SignedRouter(api_url, lottery.region)
        public = _answers_unsigned(api_url)
        server = make_server(Screen(signed, api_url if public else None), args.port)
        print(f"Serving stack {args.stack}'s deployed API, signed with your AWS credentials, and the draw night's page on"
              f" http://127.0.0.1:{server.server_address[1]}/; phones: "
              + (f"{api_url}#phone" if public else "none (lottery:publicScreen is off: the QR code leads to this laptop)")
              + "; Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        server.server_close()
        return 0
    screen, saving, stopped = Screen(ApiRouter(lottery.outputs["api_id"], lottery.region), None), threading.Lock(), threading.Event()

    @contextlib.contextmanager
    def writing(wait_s: float = -1) -> Iterator[str | None]:
        """Why a request may not write now, or None while it may: no request writes while the state
        is being saved, nor after the last save. `wait_s`: how long to wait for a save (or a request
        that writes) to end; -1, for as long as it takes."""
        if not saving.acquire(timeout=wait_s):
            yield f"the state was busy for {wait_s:g} s"
            return
        try:
            yield "lottery serve is stopping" if stopped.is_set() else None
        finally:
            saving.release()

    class Router:
        def handle(self, method, *request):
            if method != "POST":
                return screen.handle(method, *request)
            with writing(WAIT_S) as refused:
                if refused:
                    return 503, {"Content-Type": "application/json"}, json.dumps({"message": refused})
                return screen.handle(method, *request)

    def save():
        # After each request, if no draw runs: a save never holds half a draw (nor the pool's lease);
        # the items that changed meanwhile wait in changes.py for the next. One thread at a time saves,
        # so an item read earlier never overwrites the same item read later. A save that finds the
        # state held by a request leaves it to the next (or the last): it never waits long for one.
        with writing(SAVE_WAIT_S) as refused:
            if not refused and not lottery.busy():
                lottery.saved()

    server = listening(args.port, lambda: make_server(Router(), args.port, save, "0.0.0.0" if args.phones else "127.0.0.1"))
    port = server.server_address[1]
    screen.public_url = _public_url(port) if args.phones else None
    server.public_host = urlsplit(screen.public_url).netloc if screen.public_url else None  # type: ignore[attr-defined]
    endpoint = None
    with contextlib.ExitStack() as serving:  # undone from the last: the endpoint, the API, the last save, then the signals
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        serving.callback(lambda: [signal.signal(sig, handler) for sig, handler in handlers.items()])
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl-C does
        serving.callback(_last_save, lottery, saving, stopped)
        serving.callback(server.server_close)
        if args.aws:
            aws_port = AWS_PORT if args.aws_port is None else args.aws_port
            endpoint = serving.enter_context(listening(aws_port, lambda: Endpoint(lottery, aws_port, writing, save)))
        if args.lock:  # a `lottery draw` that finds the state held now draws through this server
            args.lock.record(command="serve", url=f"http://127.0.0.1:{port}")
        phones = f"; phones: {screen.public_url}#phone" if screen.public_url else ""
        print(f"Serving stack {args.stack}'s API on http://127.0.0.1:{port} (POST /commitments, POST /draws, GET /draws/{{id}},"
              f" GET /draws/{{id}}/proof, GET /winners, the draw night's /night routes) and its page at http://127.0.0.1:{port}/"
              f"{phones}; Ctrl-C stops", flush=True)
        if endpoint:
            variables = environment(endpoint.url, lottery.region, lottery.outputs, f"http://127.0.0.1:{port}/")
            path = env_file(args.state_dir, args.stack)
            write_env(path, variables)
            serving.callback(path.unlink, missing_ok=True)
            print(describe(endpoint, path, variables), end="", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        for sig in handlers:  # stopping: a second Ctrl-C or `kill` would lose what the last save keeps (SIGKILL still stops it)
            signal.signal(sig, signal.SIG_IGN)
    if endpoint:
        endpoint.announce()  # what the draws that ended while it stopped published
    return 0


class PortTaken(Exception):
    """A port `lottery serve` was told to listen on is in use."""


def listening(port: int, make: Callable[[], T]) -> T:
    """make(), a server listening on `port`; PortTaken if the port is in use."""
    try:
        return make()
    except OSError as error:
        raise PortTaken(f"cannot listen on port {port}: {error.strerror}; choose another, or 0 for any free one") from None


def _last_save(lottery, saving: threading.Lock, stopped: threading.Event) -> None:
    """Let the requests under way and the draws (and imports) they started end, then save them whole.
    Whatever still runs after DRAW_TIMEOUT_S is saved as it stands, and said so."""
    deadline = time.monotonic() + DRAW_TIMEOUT_S
    held = saving.acquire(timeout=1)
    if not held:
        print("Stopping: waiting for the requests under way", file=sys.stderr, flush=True)
        held = saving.acquire(timeout=max(deadline - time.monotonic(), 0))
    try:
        if lottery.busy():
            print("Stopping: the running draws and imports end first, then everything is saved", file=sys.stderr, flush=True)
        while lottery.busy() and time.monotonic() < deadline:
            time.sleep(POLL_S)
        if not held or lottery.busy():
            print(f"Stopping: still busy after {DRAW_TIMEOUT_S} s; saving what is written now", file=sys.stderr, flush=True)
        lottery.saved()
        stopped.set()
    finally:
        if held:
            saving.release()


def _interrupt(signum, frame):
    raise KeyboardInterrupt
