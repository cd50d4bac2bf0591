"""SNS's deliveries to http(s) subscribers, with a timeout as SNS has.

moto posts to an http(s) subscriber inside the Publish call, with no timeout: a subscriber that
never answers holds the Publish for ever, and through `lottery serve --aws` the state with it.
SNS gives up on a delivery after 15 s; so does the twin, and the Publish goes on.
"""

from typing import Any

import requests

TIMEOUT_S = 15.0


class TimedRequests:
    """`requests` as moto's SNS uses it (`requests.post`), each call with a timeout unless it gives one."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    @staticmethod
    def post(url, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_S)
        try:
            return requests.post(url, *args, **kwargs)
        except requests.RequestException:  # as SNS: a failed delivery does not fail the Publish
            return None
