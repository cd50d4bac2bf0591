"""`lottery serve --aws`: the offline stack as an AWS endpoint on 127.0.0.1, for any AWS client.

moto's own server app (moto's `server` extra) answers, over the backends the stack was deployed
into in this process: an execution the AWS CLI starts runs the deployed handlers through the
twin's Lambda runner, and what a client writes is in the same tables `lottery serve` saves.
"""

import io
import json
import re
import shlex
import socket
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # moto checks no signature
TICK_S = 0.5  # how often the endpoint saves the draws its clients started, and prints their announcements
WAIT_S = 30.0  # how long a request waits for a save, or another request, to end before a 503
IDLE_S = 60.0  # a connection silent this long is closed: a client that stalls mid-request holds nothing
UNSAVED = {"sqs"}  # writes nothing the state keeps, and may wait (ReceiveMessage polls up to 20 s): never waits for a save
CONTROLS = ("moto_api", "instance_metadata")  # moto's own (moto_api, moto_api._internal, ...): its reset would empty every backend
# An error as each protocol's clients read it: S3's <Error>, the query protocol's <ErrorResponse><Error>, else JSON.
XML = {"s3": "{}", **dict.fromkeys(("sns", "iam", "sts"), "<ErrorResponse>{}</ErrorResponse>")}
SIGNED = re.compile(r"AWS4-HMAC-SHA256 Credential=[^/,\s]+/\d{8}/[^/,]+/[^/,]+/aws4_request")  # SigV4's scope
Writing = Callable[[float], AbstractContextManager[str | None]]


class Refused(Exception):
    """Why a request is not served: (HTTP status, AWS error code, message)."""


def guarded(moto, port: int, writing: Writing, in_background: Callable[[], AbstractContextManager]) -> Callable:
    """moto's app (a DomainDispatcherApplication) for AWS clients on this machine only; each request
    answered whole between two of the server's saves (`writing`), and none after the last, with
    the S3 notifications it causes invoked in the background (`in_background`), as on AWS."""
    hosts = {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    def wsgi(environ, start_response):
        backend = None
        try:
            _read_body(environ)  # before waiting: a client slow to send holds up nobody
            backend = backend_of(moto, environ)  # what moto answers it with: checked, not guessed from the path
            _check_client(environ, hosts, backend)
            if backend in UNSAVED:
                return list(moto(environ, start_response))
            with writing(WAIT_S) as busy:
                if busy:
                    raise Refused("503 Service Unavailable", "ServiceUnavailable",
                                  f"{busy}: a save, or a request that writes, held it; try again")
                with in_background():  # the whole answer made here: nothing is written after the last save
                    return list(moto(environ, start_response))
        except Refused as refused:
            status, code, message = refused.args
            body = json.dumps({"__type": code, "message": message})
            kind = "application/x-amz-json-1.0"
            if backend in XML:
                body = XML[backend].format(f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>")
                kind = "text/xml"
            start_response(status, [("Content-Type", kind)])
            return [body.encode()]

    return wsgi


def backend_of(moto, environ: dict) -> str | None:
    """The backend moto routes the request to (moto decides by the signature's scope, the path or the
    body), or None when moto cannot tell (it would answer with an error page)."""
    try:
        app = moto.get_application(environ)
    except Exception:  # a scope naming no service moto has, a DynamoDB request without its target, ...
        return None
    with moto.lock:
        return next((name for name, made in moto.app_instances.items() if made is app), None)


def _check_client(environ: dict, hosts: set[str], backend: str | None) -> None:
    """Refused unless it comes from an AWS client on this machine and is for a service moto has.
    Every AWS client signs its requests (SigV4: an Authorization header, or for S3 a presigned URL)
    and sends neither an Origin nor a Host other than the endpoint's; a web page open in a browser
    on this machine can do none of that without a preflight (moto's app would allow it every
    origin). moto's own controls (its reset would empty every backend, the deployed stack's too)
    are refused however a request reaches them: by moto's routing, not by the path as sent."""
    host = environ.get("HTTP_HOST", "")
    if host not in hosts and not any(host.endswith("." + h) for h in hosts):  # and S3's bucket.localhost:port
        raise Refused("403 Forbidden", "AccessDenied", f"Host {host!r} is not this endpoint's")
    if "HTTP_ORIGIN" in environ:
        raise Refused("403 Forbidden", "AccessDenied", "requests from web pages are not served")
    presigned = {"X-Amz-Credential", "X-Amz-Signature"} <= set(parse_qs(environ.get("QUERY_STRING", "")))
    if not SIGNED.match(environ.get("HTTP_AUTHORIZATION", "")) and not (presigned and backend == "s3"):
        raise Refused("403 Forbidden", "MissingAuthenticationToken",
                      "sign requests with SigV4, as every AWS client does (presigned URLs are S3's only)")
    if backend is None:
        raise Refused("400 Bad Request", "UnknownOperationException", "not a request for a service this endpoint serves")
    if backend.startswith(CONTROLS):
        raise Refused("403 Forbidden", "AccessDenied", "moto's own controls are not served: they would undeploy the stack")


def _read_body(environ: dict) -> None:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    body = stream.read(int(length)) if length else stream.read() if environ.get("wsgi.input_terminated") else b""
    environ["wsgi.input"] = io.BytesIO(body)


def environment(url: str, region: str, outputs: dict, api_url: str) -> dict[str, str]:
    """What a client's shell needs: the endpoint, dummy credentials, the stack's region, and the
    stack's outputs by name (STATE_MACHINE_ARN, EMPLOYEE_TABLE, ..., INPUTWINNERS_FUNCTION), with
    API_URL the API that `lottery serve` serves."""
    found = {"AWS_ENDPOINT_URL": url, **CREDENTIALS, "AWS_DEFAULT_REGION": region, "AWS_REGION": region}
    for key, value in outputs.items():
        if key == "function_names":
            found |= {f"{name}_FUNCTION".upper(): function for name, function in value.items()}
        elif isinstance(value, str) and value:
            found[key.upper()] = value
    return found | {"API_URL": api_url}


def env_file(state_dir: Path, stack: str) -> Path:
    return state_dir / f"{stack}.aws.env"


def write_env(path: Path, variables: dict[str, str]) -> None:
    """`export` lines for `. <path>`, in place at once (a shell never sources half of it)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in variables.items()))
    partial.replace(path)


class Endpoint:
    """moto's server app on 127.0.0.1:`port`, guarded, in a thread of its own; while it runs, a
    ticker saves what its clients' draws wrote (`save`) and prints each new announcement."""

    def __init__(self, lottery, port: int, writing: Writing, save: Callable[[], None]):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        class Handler(MotoRequestHandler):
            timeout = IDLE_S

            def log_request(self, code="-", size="-"):  # the failures only: a client polls
                if str(code).isdigit() and int(code) >= 400:
                    super().log_request(code, size)

        self.lottery, self.save, self.ended, self.looking = lottery, save, threading.Event(), threading.Lock()
        moto = DomainDispatcherApplication(create_backend_app)
        # Bound here: werkzeug's own bind prints and exits the process when the port is taken (OSError here).
        with socket.create_server(("127.0.0.1", port), backlog=128) as listening:
            self.server = make_server("127.0.0.1", port, moto, threaded=True, request_handler=Handler,
                                      fd=listening.fileno())  # werkzeug listens on a copy of it
        self.port = self.server.server_address[1]  # known once it listens (port 0 picks one)
        self.server.app = guarded(moto, self.port, writing, lottery.notifying_in_background)
        self.url = f"http://127.0.0.1:{self.port}"
        self.announced = len(lottery.announcements())  # earlier sessions' are not moto's to show

    def __enter__(self):
        self.threads = [threading.Thread(target=self.server.serve_forever, daemon=True),
                        threading.Thread(target=self._tick, daemon=True)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.ended.set()
        self.server.shutdown()
        self.server.server_close()
        for thread in self.threads:
            thread.join()

    def _tick(self) -> None:
        while not self.ended.wait(TICK_S):
            for step in (self.announce, self.save):  # the save gives up at once when a request holds the state
                try:
                    step()
                except Exception as error:  # a client may delete what they read (a table): the next tick tries again
                    print(f"lottery serve --aws: {type(error).__name__}: {error}", file=sys.stderr, flush=True)

    def announce(self) -> None:
        """Print the messages published on the Notification topic since the last look: what the
        seed's e-mail subscribers receive."""
        with self.looking:
            sent = self.lottery.announcements()
            for message in sent[self.announced:]:
                print(f"Notification: {message}", flush=True)
            self.announced = len(sent)


def describe(endpoint: Endpoint, env_path: Path, variables: dict[str, str]) -> str:
    lines = "".join(f"  export {k}={shlex.quote(v)}\n" for k, v in variables.items())
    return (f"AWS endpoint on {endpoint.url} (DynamoDB, Step Functions, Lambda, S3, SNS, ...: the stack as deployed)."
            f" In another terminal: . {env_path}\n{lines}")
