"""`lottery serve --aws`: the offline stack as an AWS endpoint on 127.0.0.1, for any AWS client.

moto's own server app (moto's `server` extra) answers, over the backends the stack was deployed
into in this process: an execution the AWS CLI starts runs the deployed handlers through the
twin's Lambda runner, and what a client writes is in the same tables `lottery serve` saves.
"""

import json
import shlex
import socket
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # moto checks no signature
TICK_S = 0.5  # how often the endpoint saves the draws its clients started, and prints their announcements


def guarded(app: Callable, port: int, writing: Callable[[], AbstractContextManager[bool]]) -> Callable:
    """`app` (WSGI) answering one request at a time, between the server's saves (`writing()` yields
    False once the last save is done), and refusing what is not an AWS client on this machine."""
    hosts = {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    def wsgi(environ, start_response):
        refused = _refused(environ, hosts)
        if refused is None:
            with writing() as open_:
                if open_:  # the whole answer made inside: nothing is written after the last save
                    return list(app(environ, start_response))
                refused = "503 Service Unavailable", "ServiceUnavailable", "lottery serve is stopping"
        status, kind, message = refused
        start_response(status, [("Content-Type", "application/x-amz-json-1.0")])
        return [json.dumps({"__type": kind, "message": message}).encode()]

    return wsgi


def _refused(environ: dict, hosts: set[str]) -> tuple[str, str, str] | None:
    """Why a request is not served, if it is not. An AWS client sends neither an Origin nor a Host
    other than the endpoint's; a web page open in a browser on this machine would (moto's app
    allows every origin). moto's own controls (/moto-api/, its reset among them) would wipe the
    deployed stack."""
    host = environ.get("HTTP_HOST", "")
    if host not in hosts and not any(host.endswith("." + h) for h in hosts):  # and S3's bucket.localhost:port
        return "403 Forbidden", "AccessDeniedException", f"Host {host!r} is not this endpoint's"
    if "HTTP_ORIGIN" in environ:
        return "403 Forbidden", "AccessDeniedException", "requests from web pages are not served"
    if environ.get("PATH_INFO", "").startswith("/moto-api"):
        return "403 Forbidden", "AccessDeniedException", "moto's own controls are not served: they would undeploy the stack"
    return None


def environment(url: str, region: str, outputs: dict) -> dict[str, str]:
    """What a client's shell needs: the endpoint, dummy credentials, the stack's region, and the
    stack's outputs by name (STATE_MACHINE_ARN, EMPLOYEE_TABLE, ..., INPUTWINNERS_FUNCTION)."""
    found = {"AWS_ENDPOINT_URL": url, **CREDENTIALS, "AWS_DEFAULT_REGION": region}
    for key, value in outputs.items():
        if key == "function_names":
            found |= {f"{name}_FUNCTION".upper(): function for name, function in value.items()}
        elif isinstance(value, str) and value:
            found[key.upper()] = value
    return found


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

    def __init__(self, lottery, port: int, writing: Callable[[], AbstractContextManager[bool]], save: Callable[[], None]):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        self.lottery, self.save, self.ended = lottery, save, threading.Event()
        moto = DomainDispatcherApplication(create_backend_app)
        # Bound here: werkzeug's own bind prints and exits the process when the port is taken (OSError here).
        with socket.create_server(("127.0.0.1", port), backlog=128) as listening:
            self.server = make_server("127.0.0.1", port, moto, threaded=True, request_handler=MotoRequestHandler,
                                      fd=listening.fileno())  # werkzeug listens on a copy of it
        self.port = self.server.server_address[1]  # known once it listens (port 0 picks one)
        self.server.app = guarded(moto, self.port, writing)
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
        self.announce()

    def _tick(self) -> None:
        while not self.ended.wait(TICK_S):
            self.announce()
            self.save()

    def announce(self) -> None:
        """Print the messages published on the Notification topic since the last look: what the
        seed's e-mail subscribers receive."""
        sent = self.lottery.announcements()
        for message in sent[self.announced:]:
            print(f"Notification: {message}", flush=True)
        self.announced = len(sent)


def describe(endpoint: Endpoint, env_path: Path, variables: dict[str, str]) -> str:
    lines = "".join(f"  export {k}={shlex.quote(v)}\n" for k, v in variables.items())
    return (f"AWS endpoint on {endpoint.url} (DynamoDB, Step Functions, Lambda, S3, SNS, ...: the stack as deployed)."
            f" In another terminal: . {env_path}\n{lines}")

