"""TransactWriteItems in a twin session (twin/transactions.py): what moto's own answers, and leaves
in the table, at the cost of the items it touches; nothing of a cancelled one reaches the stream;
and, with moto's conditional writes, atomic among threads."""

import contextlib
import threading

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamShard

from twin import seams

REGION = "us-east-1"


@contextlib.contextmanager
def dynamodb(hooked: bool, stream: bool = False):
    """A client of a fresh moto whose Items table holds a (n=1), b (n=2) and c (n=3); its
    transactions are the twin's (hooked) or moto's own."""
    with mock_aws(), (seams.session() if hooked else contextlib.nullcontext()):
        client = boto3.client("dynamodb", region_name=REGION)
        streams = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}} if stream else {}
        client.create_table(TableName="Items", BillingMode="PAY_PER_REQUEST", **streams,
                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        for name, n in ("a", 1), ("b", 2), ("c", 3):
            client.put_item(TableName="Items", Item={**key(name), "n": number(n)})
        yield client


def key(name: str) -> dict:
    return {"id": {"S": name}}


def number(n: int) -> dict:
    return {"N": str(n)}


def put(name: str, n: int) -> dict:
    return {"Put": {"TableName": "Items", "Item": {**key(name), "n": number(n)}, "ConditionExpression": "attribute_not_exists(id)"}}


def update(name: str, expression: str, **values: int) -> dict:
    return {"Update": {"TableName": "Items", "Key": key(name), "UpdateExpression": expression,
                       "ExpressionAttributeValues": {f":{k}": number(v) for k, v in values.items()}}}


def expect(name: str, n: int, all_old: bool = False) -> dict:
    """A ConditionCheck that `name` holds n."""
    check = {"TableName": "Items", "Key": key(name), "ConditionExpression": "n = :n", "ExpressionAttributeValues": {":n": number(n)}}
    return {"ConditionCheck": {**check, **({"ReturnValuesOnConditionCheckFailure": "ALL_OLD"} if all_old else {})}}


DELETE_B = {"Delete": {"TableName": "Items", "Key": key("b")}}
BEFORE = {"a": 1, "b": 2, "c": 3}


def outcome(client, actions: list[dict]) -> tuple[dict, dict]:
    """What TransactWriteItems answered, and the Items table after it (id: n)."""
    try:
        client.transact_write_items(TransactItems=actions)
        answer: dict = {"code": None}
    except ClientError as error:
        answer = {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"],
                  "reasons": error.response.get("CancellationReasons")}
    return answer, {i["id"]["S"]: int(i["n"]["N"]) for i in client.scan(TableName="Items")["Items"]}


def as_moto_and_twin(actions: list[dict]) -> tuple[dict, dict]:
    """The outcome of `actions` with moto's own transactions, and with the twin's: the same."""
    ours, moto = [], []
    for hooked, results in ((False, moto), (True, ours)):
        with dynamodb(hooked) as client:
            results.append(outcome(client, actions))
    assert ours == moto
    return ours[0]


def test_a_transaction_whose_conditions_hold_writes_every_action():
    answer, items = as_moto_and_twin([put("d", 4), update("a", "SET n = n + :one", one=1), DELETE_B, expect("c", 3)])
    assert answer == {"code": None}
    assert items == {"a": 2, "c": 3, "d": 4}


def test_a_failed_condition_writes_nothing_and_each_action_has_its_reason():
    answer, items = as_moto_and_twin([put("d", 4), expect("a", 9, all_old=True), DELETE_B, expect("c", 9), put("e", 5)])
    assert answer["code"] == "TransactionCanceledException"
    assert [r["Code"] for r in answer["reasons"]] == ["None", "ConditionalCheckFailed", "None", "ConditionalCheckFailed", "None"]
    assert answer["reasons"][1]["Item"] == {**key("a"), "n": number(1)}  # ALL_OLD asked for
    assert "Item" not in answer["reasons"][3]
    assert items == BEFORE


def test_two_actions_on_one_item_are_refused_and_nothing_is_written():
    answer, items = as_moto_and_twin([put("d", 4), update("a", "SET n = :two", two=2), update("d", "SET n = :five", five=5)])
    assert (answer["code"], answer["message"]) == (
        "ValidationException", "Transaction request cannot include multiple operations on one item")
    assert items == BEFORE


def test_an_update_refused_while_writing_puts_back_every_item_written_before_it():
    refused = update("c", "SET n = nowhere + :one", one=1)  # moto finds `nowhere` absent only as it writes
    answer, items = as_moto_and_twin([put("d", 4), update("a", "SET n = :seven", seven=7), DELETE_B, refused])
    assert answer["code"] == "ValidationException"
    assert "attribute that does not exist" in answer["message"]
    assert items == BEFORE


def stream_events(client) -> list[tuple[str, str]]:
    """(event name, id) of every record on the Items table's stream."""
    # botocore sends calls naming a stream to the account's endpoint, which moto 5.2.5 does not answer.
    streams = boto3.client("dynamodbstreams", region_name=REGION, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com")
    arn = client.describe_table(TableName="Items")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in streams.get_records(ShardIterator=iterator)["Records"]]


@pytest.fixture
def delivered(monkeypatch) -> list[tuple[str, str]]:
    """(event name, id) of each record added to a stream: what its Lambda functions are handed."""
    records: list[tuple[str, str]] = []
    moto_add = StreamShard.add

    def add(self, old, new):
        records.append(("REMOVE" if new is None else "INSERT" if old is None else "MODIFY", (new or old).hash_key.value))
        moto_add(self, old, new)

    monkeypatch.setattr(StreamShard, "add", add)
    return records


def test_only_a_transaction_that_writes_reaches_the_stream(delivered):
    with dynamodb(hooked=True, stream=True) as client:
        loaded = stream_events(client)
        delivered.clear()
        assert outcome(client, [put("d", 4), update("a", "SET n = :two", two=2), expect("c", 9)])[0]["code"] == (
            "TransactionCanceledException")
        assert outcome(client, [put("d", 4), update("c", "SET n = nowhere + :one", one=1)])[0]["code"] == "ValidationException"
        # moto's own adds INSERT d (and MODIFY a) as it writes them, then swaps the whole table back:
        # gone from GetRecords, but a Lambda function of the stream has had them.
        assert delivered == []
        assert stream_events(client) == loaded
        assert outcome(client, [put("d", 4), update("a", "SET n = :two", two=2), DELETE_B])[0]["code"] is None
        assert delivered == [("INSERT", "d"), ("MODIFY", "a"), ("REMOVE", "b")]
        assert stream_events(client) == [*loaded, *delivered]


@pytest.fixture
def item_copies(monkeypatch) -> list[Item]:
    """Every moto Item deep-copied, as it is copied."""
    copies: list[Item] = []
    moto_copy = Item.__deepcopy__

    def counted(self, memo):
        copies.append(self)
        return moto_copy(self, memo)

    monkeypatch.setattr(Item, "__deepcopy__", counted)
    return copies


def test_a_transaction_copies_the_items_it_writes_not_their_table(item_copies):
    copied = {}
    for hooked in (False, True):
        with dynamodb(hooked) as client:
            for start in range(0, 2000, 25):
                client.batch_write_item(RequestItems={"Items": [
                    {"PutRequest": {"Item": {**key(f"x{i}"), "n": number(i)}}} for i in range(start, start + 25)]})
            item_copies.clear()
            client.transact_write_items(TransactItems=[put("d", 4), update("a", "SET n = :two", two=2), DELETE_B, expect("c", 3)])
            copied[hooked] = len(item_copies)
    assert copied[False] > 2000  # moto's own: the whole table (2,003 items), for each action naming it
    assert copied[True] <= 2 * 3  # each item written (3), and update_item's own copy of the item it updates


def test_conditional_increments_from_many_threads_lose_none():
    """Each thread adds 1 to a's n, again and again: it reads n, then writes n + 1 if n is still
    what it read (update_item, or a transaction), else reads again. Every addition counts. (With
    moto's own transaction and update_item, some threads find their condition true of a value
    another thread is overwriting.)"""
    threads, rounds, errors = 6, 10, []

    def increment(client, transact: bool):
        try:
            for _ in range(rounds):
                while True:
                    n = int(client.get_item(TableName="Items", Key=key("a"), ConsistentRead=True)["Item"]["n"]["N"])
                    write = {**update("a", "SET n = :new", old=n, new=n + 1)["Update"], "ConditionExpression": "n = :old"}
                    try:
                        if transact:
                            client.transact_write_items(TransactItems=[{"Update": write}])
                        else:
                            client.update_item(**write)
                        break
                    except ClientError as error:
                        if error.response["Error"]["Code"] not in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                            raise
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    with dynamodb(hooked=True) as client:
        clients = [boto3.client("dynamodb", region_name=REGION) for _ in range(threads)]  # made here: one thread at a time
        workers = [threading.Thread(target=increment, args=(c, i % 2 == 0)) for i, c in enumerate(clients)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        n = int(client.get_item(TableName="Items", Key=key("a"))["Item"]["n"]["N"])
    assert not errors, errors
    assert n == 1 + threads * rounds
