"""What every handler shares: named errors, settings from the environment, tables, JSON values."""

import os
import re
import secrets
from decimal import Decimal

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config

# The item of the Draws table that holds the draw pool's size; every other item is one draw.
POOL_KEY = {"draw_id": "#pool"}
# A draw's id, the name of its execution.
DRAW_ID = re.compile(r"Lottery-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Throttling and 5xx from AWS are retried with jittered backoff (botocore's standard mode)
# before a handler gives up with the error's own name.
SDK_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})

# One shared CSPRNG: the draw must not be predictable from earlier draws.
rng = secrets.SystemRandom()


class LotteryError(Exception):
    """A failure the workflow names: Lambda reports the class name as `errorType`, which is the
    error name that the state machine's Retry and Catch match."""


class CustomError(LotteryError):
    """The seed's forced failure: an `exception` key in the execution input."""


class InvalidInput(LotteryError):
    """The execution input is not `{"input": N}` with N a whole number from 1 to the maximum."""


class NotEnoughEligibleEmployees(LotteryError):
    """Fewer employees who never won than winners asked for."""


class TooManyAttempts(LotteryError):
    """Concurrent draws kept taking the selected employees; this draw gives up."""


class DrawConflict(LotteryError):
    """Another draw changed the pool between selection and record; select again."""


class InvalidRoster(LotteryError):
    """A roster file has a bad line; nothing was written."""


def winners_count(request, key: str, max_winners: int) -> int:
    """`request[key]` as a number of winners, or InvalidInput saying what is wrong."""
    if not isinstance(request, dict):
        raise InvalidInput(f'expected a JSON object such as {{"{key}": 2}}, not {type(request).__name__}')
    if key not in request:
        raise InvalidInput(f'"{key}" (the number of winners) is missing')
    count = request[key]
    # bool is an int in Python; true is not a number of winners.
    if type(count) is not int or not 1 <= count <= max_winners:
        raise InvalidInput(f'"{key}" must be a whole number from 1 to {max_winners}, not {count!r}')
    return count


def setting(name: str) -> str:
    try:
        return os.environ[name]
    except KeyError:
        raise LotteryError(f"environment variable {name} is not set") from None


def int_setting(name: str) -> int:
    return int(setting(name))


_made: dict = {}


def _once(factory, service: str):
    """boto3's `factory(service)` for this function's region, made once per container: making
    one costs more than the reads a draw does."""
    key = (factory, service, os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))
    if key not in _made:
        _made[key] = factory(service, region_name=key[2], config=SDK_CONFIG)
    return _made[key]


def dynamodb():
    """The DynamoDB resource (Python values in and out)."""
    return _once(boto3.resource, "dynamodb")


def client(service: str):
    """The boto3 client of `service` (DynamoDB's takes typed attribute values, as TransactWriteItems does)."""
    return _once(boto3.client, service)


def table(env_name: str):
    """The table whose name the component put in environment variable `env_name`."""
    return dynamodb().Table(setting(env_name))


def scan_all(table, **kwargs) -> list[dict]:
    """Every item of a table scan, page after page."""
    return _all_pages(table.scan, kwargs)


def query_all(table, **kwargs) -> list[dict]:
    """Every item of a table (or index) query, page after page."""
    return _all_pages(table.query, kwargs)


def _all_pages(read, kwargs: dict) -> list[dict]:
    items = []
    while True:
        page = read(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


def typed(values: dict) -> dict:
    """DynamoDB's typed form of an item, as the low-level client and TransactWriteItems take it."""
    return {k: _serialize(v) for k, v in values.items()}


def untyped(item: dict) -> dict:
    """A typed item (the low-level client's, a stream record's) as plain Python values."""
    return plain({k: _deserialize(v) for k, v in item.items()})


def plain(value):
    """DynamoDB's Decimals as the ints and floats JSON expects, the way the Lambda runtime's
    marshaller writes them (1, not 1.0)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
