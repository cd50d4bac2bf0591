"""Faults injected offline: an AWS call answers with an error before moto sees it.

The error arrives as the HTTP response AWS would send, so everything above it behaves as it would
on AWS: botocore's retries in the handlers, the Lambda and SNS integrations' error names in the
state machine (`Lambda.TooManyRequestsException`, `SNS.InternalErrorException`), Retry and Catch.
Faults are answered by `stubber_call`, which seams.py puts in moto's stubber for a session;
`inject` opens one for its block (nested in an OfflineStack's, or on its own around plain moto).
"""

import contextlib
import json
import threading
from dataclasses import dataclass

from botocore.awsrequest import AWSResponse

from . import seams

with seams.needs("moto's botocore stubber"):
    from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse


@dataclass
class Fault:
    service: str  # botocore's service id, as in its event names: dynamodb, sns, lambda, eventbridge
    operation: str  # Query, TransactWriteItems, Publish, Invoke, ...
    code: str  # the error code AWS would send
    status: int = 500
    times: int | None = None  # how many calls fail; None: every call
    after: int = 0  # how many matching calls go through before the first failure
    failed: int = 0
    passed: int = 0

    def matches(self, event_name: str) -> bool:
        if event_name != f"before-send.{self.service}.{self.operation}":
            return False
        if self.passed < self.after:
            self.passed += 1
            return False
        return self.times is None or self.failed < self.times

    def response(self, url: str) -> AWSResponse:
        message = f"injected fault: {self.code}"
        if self.service == "sns":  # query protocol: XML
            body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{self.code}</Code>"
                    f"<Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>")
            headers = {"Content-Type": "text/xml"}
        else:  # JSON protocols
            body = json.dumps({"__type": self.code, "message": message, "Message": message})
            headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": self.code,
                       "x-amzn-RequestId": f"fault-{self.failed}"}
        return AWSResponse(url, self.status, headers, MockRawResponse(body))


_active: list[Fault] = []
_lock = threading.Lock()
_moto_call = BotocoreStubber.__call__  # moto's own: this module is imported before seams.py replaces it


def stubber_call(self, event_name, request, **kwargs):
    """moto's BotocoreStubber.__call__, but a call an active fault matches gets the fault's answer."""
    with _lock:
        fault = next((f for f in _active if self.enabled and f.matches(event_name)), None)
        if fault is not None:
            fault.failed += 1
    return fault.response(request.url) if fault else _moto_call(self, event_name, request, **kwargs)


@contextlib.contextmanager
def inject(*faults: Fault):
    """Make the given calls fail while the block runs; yields the faults (see `failed`)."""
    with seams.session():
        with _lock:
            _active.extend(faults)
        try:
            yield faults
        finally:
            with _lock:
                for fault in faults:
                    _active.remove(fault)
