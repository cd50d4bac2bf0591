"""Step Functions' clients for its service integrations: made once each, under a lock, then shared.

moto 5.2.5 makes a new boto3 client for every Task state it runs (boto_client_for, in the
execution's own thread), from boto3's default session. A session is not thread-safe (boto3's
guide; boto/boto3#1592: KeyError 'credential_provider' when threads make clients at once), and a
client takes milliseconds to make, in the thread every other execution waits on for the GIL.
A client, once made, is thread-safe, so one per region, service and endpoint serves them all
(what that saved concurrent draws is in docs/SPEED.md).
"""

from . import lambdas, seams

with seams.needs("moto's Step Functions clients"):
    from moto.core.models import botocore_stubber
    from moto.stepfunctions.parser.asl.utils import boto_client

# moto's own: this module is imported before seams.py replaces it, in every integration module
# that imported it by name.
moto_client_for = boto_client.boto_client_for

_clients: dict[tuple, object] = {}
# The lock the Lambda runner holds while a handler runs, which is where handlers make their clients
# from the same default session: one lock for every client made from it during draws.
_lock = lambdas.invocation_lock


def client_for(region: str, service: str, state_credentials=None):
    """moto's boto_client_for, made once per region, service and whether moto intercepts the calls.

    moto's own ignores state_credentials too: every call goes to moto with the same fake keys."""
    key = (region, service, botocore_stubber.enabled)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key) or _clients.setdefault(key, moto_client_for(region=region, service=service))
    return client
