"""DynamoDB global and local secondary indexes with boto3 (client and resource APIs) and the aws
CLI: CreateTable / DescribeTable with indexes, a single-table design read through a sparse GSI, the
index kept in step with every kind of write, projections, LSIs, AWS's errors, UpdateTable adding,
changing and removing a GSI, and indexes surviving a restart."""
import itertools
import time

import boto3
import botocore.config
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from conftest import CREDENTIALS

_names = itertools.count()


@pytest.fixture
def ddb(server):
    return server.client("dynamodb")


@pytest.fixture
def table_name(request):
    safe = "".join(c if c.isalnum() or c in "_.-" else "-" for c in request.node.name[:40])
    return "idx-%s-%d" % (safe, next(_names))


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def resource_of(server):
    return boto3.resource("dynamodb", endpoint_url=server.endpoint,
                          config=botocore.config.Config(retries={"max_attempts": 1}),
                          **CREDENTIALS)


def s(value):
    return {"S": value}


def n(value):
    return {"N": str(value)}


def attrs(**types):
    return [{"AttributeName": name, "AttributeType": t} for name, t in types.items()]


def key(hash_name, range_name=None):
    schema = [{"AttributeName": hash_name, "KeyType": "HASH"}]
    if range_name:
        schema.append({"AttributeName": range_name, "KeyType": "RANGE"})
    return schema


def index(name, hash_name, range_name=None, projection="ALL", non_key=None, throughput=None):
    """A GlobalSecondaryIndexes / LocalSecondaryIndexes / GSI Create entry."""
    spec = {"ProjectionType": projection}
    if non_key:
        spec["NonKeyAttributes"] = list(non_key)
    out = {"IndexName": name, "KeySchema": key(hash_name, range_name), "Projection": spec}
    if throughput:
        out["ProvisionedThroughput"] = {"ReadCapacityUnits": throughput[0],
                                        "WriteCapacityUnits": throughput[1]}
    return out


def create(ddb, name, attributes, table_key, gsis=None, lsis=None, **kwargs):
    request = dict(TableName=name, AttributeDefinitions=attributes, KeySchema=table_key)
    if gsis:
        request["GlobalSecondaryIndexes"] = gsis
    if lsis:
        request["LocalSecondaryIndexes"] = lsis
    if "ProvisionedThroughput" not in kwargs:
        request["BillingMode"] = "PAY_PER_REQUEST"
    request.update(kwargs)
    return ddb.create_table(**request)["TableDescription"]


def indexes_of(description, kind="GlobalSecondaryIndexes"):
    return {i["IndexName"]: i for i in description.get(kind, [])}


def wait_until(check, timeout=10.0):
    """Polls `check` until it returns something true or `timeout` seconds pass."""
    deadline = time.time() + timeout
    while True:
        value = check()
        if value or time.time() > deadline:
            return value
        time.sleep(0.1)


def query_index(ddb, table_name, index_name, condition, values, **kwargs):
    return ddb.query(TableName=table_name, IndexName=index_name,
                     KeyConditionExpression=condition, ExpressionAttributeValues=values, **kwargs)


def pages_of(call, **kwargs):
    """Calls a Query or Scan until LastEvaluatedKey runs out; returns (pages, start keys)."""
    pages, keys, start = [], [], None
    for _ in range(100):
        request = dict(kwargs)
        if start:
            request["ExclusiveStartKey"] = start
        got = call(**request)
        pages.append(got["Items"])
        start = got.get("LastEvaluatedKey")
        if not start:
            return pages, keys
        keys.append(start)
    raise AssertionError("paging did not end")


def test_create_table_describes_global_and_local_indexes(ddb, table_name):
    description = create(
        ddb, table_name, attrs(pk="S", sk="S", gsi1pk="S", gsi1sk="N", email="S", score="N"),
        key("pk", "sk"),
        gsis=[index("by-group", "gsi1pk", "gsi1sk", "INCLUDE", ["title", "colour"]),
              index("by-email", "email", projection="KEYS_ONLY"),
              index("by-group-all", "gsi1pk", projection="ALL")],
        lsis=[index("by-score", "pk", "score", "KEYS_ONLY")])
    assert set(indexes_of(description)) == {"by-group", "by-email", "by-group-all"}
    assert set(indexes_of(description, "LocalSecondaryIndexes")) == {"by-score"}
    table = ddb.describe_table(TableName=table_name)["Table"]
    arn = table["TableArn"]
    assert arn == "arn:aws:dynamodb:us-east-1:000000000000:table/" + table_name
    assert table["KeySchema"] == key("pk", "sk")
    assert sorted((a["AttributeName"], a["AttributeType"]) for a in table[
        "AttributeDefinitions"]) == [("email", "S"), ("gsi1pk", "S"), ("gsi1sk", "N"),
                                     ("pk", "S"), ("score", "N"), ("sk", "S")]
    gsis = indexes_of(table)
    assert set(gsis) == {"by-group", "by-email", "by-group-all"}
    assert gsis["by-group"]["KeySchema"] == key("gsi1pk", "gsi1sk")
    assert gsis["by-group"]["Projection"]["ProjectionType"] == "INCLUDE"
    assert sorted(gsis["by-group"]["Projection"]["NonKeyAttributes"]) == ["colour", "title"]
    assert gsis["by-email"]["KeySchema"] == key("email")
    assert gsis["by-email"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert gsis["by-group-all"]["KeySchema"] == key("gsi1pk")
    assert gsis["by-group-all"]["Projection"] == {"ProjectionType": "ALL"}
    for name, gsi in gsis.items():
        assert gsi["IndexStatus"] == "ACTIVE", name
        assert gsi["IndexArn"] == arn + "/index/" + name
        assert gsi["ItemCount"] == 0 and gsi["IndexSizeBytes"] == 0, name
    lsis = indexes_of(table, "LocalSecondaryIndexes")
    assert set(lsis) == {"by-score"}
    assert lsis["by-score"]["KeySchema"] == key("pk", "score")
    assert lsis["by-score"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert lsis["by-score"]["IndexArn"] == arn + "/index/by-score"


def test_provisioned_gsi_needs_its_own_throughput_which_update_table_changes(ddb, table_name):
    table_throughput = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    code, message = error_of(create, ddb=ddb, name=table_name, attributes=attrs(pk="S", g="S"),
                             table_key=key("pk"), gsis=[index("by-g", "g")],
                             BillingMode="PROVISIONED", ProvisionedThroughput=table_throughput)
    assert (code, message) == ("ValidationException", "One or more parameter values were "
                               "invalid: ProvisionedThroughput is not specified for index: by-g")
    assert table_name not in ddb.list_tables()["TableNames"]
    create(ddb, table_name, attrs(pk="S", g="S"), key("pk"),
           gsis=[index("by-g", "g", throughput=(3, 4))], BillingMode="PROVISIONED",
           ProvisionedThroughput=table_throughput)

    def gsi_throughput():
        throughput = indexes_of(ddb.describe_table(TableName=table_name)["Table"])["by-g"][
            "ProvisionedThroughput"]
        return throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]

    assert gsi_throughput() == (3, 4)
    ddb.update_table(TableName=table_name, GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "by-g",
        "ProvisionedThroughput": {"ReadCapacityUnits": 6, "WriteCapacityUnits": 7}}}])
    assert wait_until(lambda: gsi_throughput() == (6, 7)), gsi_throughput()
    table = ddb.describe_table(TableName=table_name)["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 5
    ddb.put_item(TableName=table_name, Item={"pk": s("a"), "g": s("green")})
    got = query_index(ddb, table_name, "by-g", "g = :g", {":g": s("green")})
    assert got["Items"] == [{"pk": s("a"), "g": s("green")}]


# A single-table design: users, teams and orders in one table; gsi1 lists an org's members
# and a month's orders. Addresses and the org record carry no gsi1 keys, user u9 only half of
# them: a sparse index holds none of those.
ORG_USERS = [{"pk": "USER#u%d" % i, "sk": "PROFILE", "gsi1pk": "ORG#acme", "gsi1sk": "USER#u%d" % i,
              "email": "u%d@acme.test" % i, "admin": i in (2, 4)} for i in range(1, 6)]
ORG_TEAMS = [{"pk": "TEAM#t%d" % i, "sk": "META", "gsi1pk": "ORG#acme", "gsi1sk": "TEAM#t%d" % i,
              "label": "team %d" % i} for i in (1, 2)]
ORDERS = [{"pk": "USER#u1", "sk": "ORDER#o1", "gsi1pk": "ORDER#2024-03", "gsi1sk": "2024-03-05",
           "amount": 10},
          {"pk": "USER#u1", "sk": "ORDER#o2", "gsi1pk": "ORDER#2024-03", "gsi1sk": "2024-03-09",
           "amount": 20},
          {"pk": "USER#u2", "sk": "ORDER#o3", "gsi1pk": "ORDER#2024-03", "gsi1sk": "2024-03-09",
           "amount": 30}]
UNINDEXED = [{"pk": "ORG#acme", "sk": "META", "label": "Acme"},
             {"pk": "USER#u1", "sk": "ADDRESS#home", "city": "Oslo"},
             {"pk": "USER#u9", "sk": "PROFILE", "gsi1pk": "ORG#acme", "email": "u9@acme.test"}]


def test_single_table_design_through_a_sparse_gsi(server, ddb, table_name):
    create(ddb, table_name, attrs(pk="S", sk="S", gsi1pk="S", gsi1sk="S"), key("pk", "sk"),
           gsis=[index("gsi1", "gsi1pk", "gsi1sk")])
    table = resource_of(server).Table(table_name)
    with table.batch_writer() as batch:
        for item in ORG_USERS + ORG_TEAMS + ORDERS + UNINDEXED:
            batch.put_item(Item=item)

    def on_gsi(condition, **kwargs):
        return table.query(IndexName="gsi1", KeyConditionExpression=condition, **kwargs)

    org = Key("gsi1pk").eq("ORG#acme")
    everyone = ["TEAM#t1", "TEAM#t2", "USER#u1", "USER#u2", "USER#u3", "USER#u4", "USER#u5"]
    got = on_gsi(org)
    assert [i["gsi1sk"] for i in got["Items"]] == everyone
    assert got["Count"] == 7 and "LastEvaluatedKey" not in got
    assert got["Items"][2] == ORG_USERS[0]  # ALL projection: the whole item
    assert "USER#u9" not in [i["pk"] for i in got["Items"]]
    cases = [(org & Key("gsi1sk").begins_with("USER#"), everyone[2:]),
             (org & Key("gsi1sk").eq("USER#u3"), ["USER#u3"]),
             (org & Key("gsi1sk").between("USER#u2", "USER#u4"), ["USER#u2", "USER#u3", "USER#u4"]),
             (org & Key("gsi1sk").lt("USER"), ["TEAM#t1", "TEAM#t2"]),
             (org & Key("gsi1sk").gt("USER#u4"), ["USER#u5"])]
    for condition, expected in cases:
        assert [i["gsi1sk"] for i in on_gsi(condition)["Items"]] == expected, expected
    assert [i["gsi1sk"] for i in on_gsi(org, ScanIndexForward=False)["Items"]] == everyone[::-1]
    got = on_gsi(org, FilterExpression=Attr("admin").eq(True))
    assert sorted(i["pk"] for i in got["Items"]) == ["USER#u2", "USER#u4"]
    assert got["Count"] == 2 and got["ScannedCount"] == 7
    got = on_gsi(org, Select="COUNT")
    assert got["Count"] == 7 and "Items" not in got
    # Two orders share an index key: both come back, in either order.
    got = on_gsi(Key("gsi1pk").eq("ORDER#2024-03") & Key("gsi1sk").gte("2024-03-06"))
    assert sorted(i["sk"] for i in got["Items"]) == ["ORDER#o2", "ORDER#o3"]

    # Paging: LastEvaluatedKey holds the table key and the index key of the last item.
    pages, starts = pages_of(ddb.query, TableName=table_name, IndexName="gsi1", Limit=2,
                             KeyConditionExpression="gsi1pk = :o",
                             ExpressionAttributeValues={":o": s("ORG#acme")})
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [i["gsi1sk"]["S"] for p in pages for i in p] == everyone
    for page, start in zip(pages, starts):
        assert set(start) == {"pk", "sk", "gsi1pk", "gsi1sk"}
        assert start == {k: page[-1][k] for k in ("pk", "sk", "gsi1pk", "gsi1sk")}
    pages, _ = pages_of(ddb.query, TableName=table_name, IndexName="gsi1", Limit=1,
                        KeyConditionExpression="gsi1pk = :o",
                        ExpressionAttributeValues={":o": s("ORDER#2024-03")})
    seen = [(i["pk"]["S"], i["sk"]["S"]) for p in pages for i in p]
    assert sorted(seen) == sorted((o["pk"], o["sk"]) for o in ORDERS)  # the tie paged through
    assert [i["gsi1sk"]["S"] for p in pages for i in p] == ["2024-03-05", "2024-03-09",
                                                            "2024-03-09"]

    # Scan on the index: exactly the items that carry both index keys.
    indexed = sorted((i["pk"], i["sk"]) for i in ORG_USERS + ORG_TEAMS + ORDERS)
    got = ddb.scan(TableName=table_name, IndexName="gsi1")
    assert sorted((i["pk"]["S"], i["sk"]["S"]) for i in got["Items"]) == indexed
    assert got["Count"] == len(indexed)
    pages, starts = pages_of(ddb.scan, TableName=table_name, IndexName="gsi1", Limit=3)
    seen = [(i["pk"]["S"], i["sk"]["S"]) for p in pages for i in p]
    assert sorted(seen) == indexed
    assert starts and all(set(k) == {"pk", "sk", "gsi1pk", "gsi1sk"} for k in starts)
    assert ddb.scan(TableName=table_name, Select="COUNT")["Count"] == len(indexed) + 3


def test_every_kind_of_write_keeps_the_gsi_in_step(ddb, table_name):
    create(ddb, table_name, attrs(pk="S", player="S", points="N"), key("pk"),
           gsis=[index("by-player", "player", "points")])

    def of(player):
        got = query_index(ddb, table_name, "by-player", "player = :p", {":p": s(player)})
        return [(i["pk"]["S"], int(i["points"]["N"])) for i in got["Items"]]

    def update(pk, expression, **values):
        kwargs = dict(ExpressionAttributeValues=values) if values else {}
        ddb.update_item(TableName=table_name, Key={"pk": s(pk)}, UpdateExpression=expression,
                        **kwargs)

    ddb.put_item(TableName=table_name, Item={"pk": s("a"), "player": s("ann"), "points": n(5)})
    ddb.put_item(TableName=table_name, Item={"pk": s("b"), "player": s("ann"), "points": n(7)})
    assert of("ann") == [("a", 5), ("b", 7)]
    update("a", "SET points = :v", **{":v": n(9)})  # the index sort key moves
    assert of("ann") == [("b", 7), ("a", 9)]
    update("a", "SET player = :v", **{":v": s("bob")})  # the index partition key moves
    assert of("ann") == [("b", 7)]
    assert of("bob") == [("a", 9)]
    update("a", "REMOVE points")  # half a key: out of the index, still in the table
    assert of("bob") == []
    assert "Item" in ddb.get_item(TableName=table_name, Key={"pk": s("a")})
    update("a", "SET points = :v", **{":v": n(1)})
    assert of("bob") == [("a", 1)]
    update("a", "REMOVE player")
    assert of("bob") == []
    ddb.put_item(TableName=table_name, Item={"pk": s("a"), "player": s("carl"), "points": n(2)})
    assert of("carl") == [("a", 2)]
    ddb.delete_item(TableName=table_name, Key={"pk": s("b")})
    assert of("ann") == []

    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table_name,
                 "Item": {"pk": s("c"), "player": s("dana"), "points": n(3)}}},
        {"Update": {"TableName": table_name, "Key": {"pk": s("a")},
                    "UpdateExpression": "SET player = :d",
                    "ExpressionAttributeValues": {":d": s("dana")}}}])
    assert of("dana") == [("a", 2), ("c", 3)]
    assert of("carl") == []
    # A cancelled transaction changes no index either.
    code, _ = error_of(ddb.transact_write_items, TransactItems=[
        {"Update": {"TableName": table_name, "Key": {"pk": s("c")},
                    "UpdateExpression": "SET player = :e",
                    "ExpressionAttributeValues": {":e": s("erin")}}},
        {"Delete": {"TableName": table_name, "Key": {"pk": s("a")},
                    "ConditionExpression": "attribute_not_exists(pk)"}}])
    assert code == "TransactionCanceledException"
    assert of("erin") == []
    assert of("dana") == [("a", 2), ("c", 3)]
    ddb.transact_write_items(TransactItems=[
        {"Delete": {"TableName": table_name, "Key": {"pk": s("c")}}}])
    assert of("dana") == [("a", 2)]

    ddb.batch_write_item(RequestItems={table_name: [
        {"PutRequest": {"Item": {"pk": s("e"), "player": s("finn"), "points": n(2)}}},
        {"PutRequest": {"Item": {"pk": s("f"), "player": s("finn"), "points": n(1)}}},
        {"DeleteRequest": {"Key": {"pk": s("a")}}}]})
    assert of("finn") == [("f", 1), ("e", 2)]
    assert of("dana") == []
    ddb.batch_write_item(RequestItems={table_name: [
        {"PutRequest": {"Item": {"pk": s("e"), "player": s("gus"), "points": n(4)}}}]})
    assert of("finn") == [("f", 1)]
    assert of("gus") == [("e", 4)]
    got = ddb.scan(TableName=table_name, IndexName="by-player")
    assert sorted(i["pk"]["S"] for i in got["Items"]) == ["e", "f"]


def test_projections_decide_what_an_index_returns(ddb, table_name):
    create(ddb, table_name, attrs(pk="S", g="S", r="N"), key("pk"),
           gsis=[index("g-keys", "g", "r", "KEYS_ONLY"),
                 index("g-include", "g", projection="INCLUDE", non_key=["a", "c"]),
                 index("g-all", "g")])
    full1 = {"pk": s("p1"), "g": s("x"), "r": n(5), "a": s("A"), "b": s("B"),
             "c": {"M": {"deep": s("d")}}}
    full2 = {"pk": s("p2"), "g": s("x"), "r": n(6), "b": s("B2")}
    for item in (full1, full2):
        ddb.put_item(TableName=table_name, Item=item)

    def on(index_name, **kwargs):
        got = query_index(ddb, table_name, index_name, "g = :g", {":g": s("x")}, **kwargs)
        return sorted(got["Items"], key=lambda i: i.get("pk", s(""))["S"])

    assert on("g-keys") == [{"pk": s("p1"), "g": s("x"), "r": n(5)},
                            {"pk": s("p2"), "g": s("x"), "r": n(6)}]
    include = [{"pk": s("p1"), "g": s("x"), "a": s("A"), "c": {"M": {"deep": s("d")}}},
               {"pk": s("p2"), "g": s("x")}]
    assert on("g-include") == include
    assert on("g-include", Select="ALL_PROJECTED_ATTRIBUTES") == include
    assert on("g-include", ProjectionExpression="pk, a") == [{"pk": s("p1"), "a": s("A")},
                                                            {"pk": s("p2")}]
    assert on("g-all") == [full1, full2]
    assert on("g-all", Select="ALL_ATTRIBUTES") == [full1, full2]
    got = ddb.scan(TableName=table_name, IndexName="g-keys")["Items"]
    assert sorted(got, key=lambda i: i["pk"]["S"]) == [
        {"pk": s("p1"), "g": s("x"), "r": n(5)}, {"pk": s("p2"), "g": s("x"), "r": n(6)}]
    for name in ("g-keys", "g-include"):
        code, message = error_of(on, index_name=name, Select="ALL_ATTRIBUTES")
        assert (code, message) == ("ValidationException", "One or more parameter values were "
                                   "invalid: Select type ALL_ATTRIBUTES is not supported for "
                                   "global secondary index %s because its projection type is "
                                   "not ALL" % name)


def test_lsi_fetches_unprojected_attributes_from_the_table(ddb, table_name):
    create(ddb, table_name, attrs(pk="S", sk="S", seq="N"), key("pk", "sk"),
           lsis=[index("by-seq", "pk", "seq", "KEYS_ONLY")])
    one = {"pk": s("h"), "sk": s("1"), "seq": n(20), "body": s("one"), "extra": n(1)}
    two = {"pk": s("h"), "sk": s("2"), "seq": n(10), "body": s("two")}
    for item in (one, two):
        ddb.put_item(TableName=table_name, Item=item)

    def on_lsi(**kwargs):
        return query_index(ddb, table_name, "by-seq", "pk = :h", {":h": s("h")}, **kwargs)["Items"]

    assert on_lsi() == [{"pk": s("h"), "sk": s("2"), "seq": n(10)},
                        {"pk": s("h"), "sk": s("1"), "seq": n(20)}]
    assert on_lsi(Select="ALL_ATTRIBUTES") == [two, one]
    assert on_lsi(Select="ALL_ATTRIBUTES", ConsistentRead=True) == [two, one]
    assert on_lsi(ProjectionExpression="body") == [{"body": s("two")}, {"body": s("one")}]


def test_lsi_orders_by_its_sort_key_and_skips_items_without_it(ddb, table_name):
    create(ddb, table_name, attrs(pk="S", sk="S", score="N"), key("pk", "sk"),
           lsis=[index("by-score", "pk", "score")])
    rows = [("game", "a", 30), ("game", "b", 10), ("game", "c", 20), ("game", "d", None),
            ("game", "e", 20), ("other", "z", 5)]
    for pk, sk, score in rows:
        item = {"pk": s(pk), "sk": s(sk), "note": s(sk * 3)}
        if score is not None:
            item["score"] = n(score)
        ddb.put_item(TableName=table_name, Item=item)

    def on_lsi(condition="pk = :p", values=None, **kwargs):
        got = query_index(ddb, table_name, "by-score", condition,
                          dict({":p": s("game")}, **(values or {})), **kwargs)
        return [(i["sk"]["S"], int(i["score"]["N"])) for i in got["Items"]]

    got = on_lsi()
    assert [score for _, score in got] == [10, 20, 20, 30]
    assert got[0][0] == "b" and got[-1][0] == "a" and {got[1][0], got[2][0]} == {"c", "e"}
    assert [score for _, score in on_lsi(ScanIndexForward=False)] == [30, 20, 20, 10]
    assert [score for _, score in on_lsi("pk = :p AND score > :v", {":v": n(15)})] == [20, 20, 30]
    assert [score for _, score in on_lsi("pk = :p AND score BETWEEN :lo AND :hi",
                                         {":lo": n(10), ":hi": n(20)})] == [10, 20, 20]
    assert on_lsi(ConsistentRead=True) == got  # strongly consistent reads are fine on an LSI
    full = query_index(ddb, table_name, "by-score", "pk = :p", {":p": s("game")})["Items"]
    assert full[0] == {"pk": s("game"), "sk": s("b"), "score": n(10), "note": s("bbb")}
    pages, starts = pages_of(ddb.query, TableName=table_name, IndexName="by-score", Limit=1,
                             KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": s("game")})
    paged = [i["sk"]["S"] for p in pages for i in p]
    assert len(paged) == 4 and set(paged) == {"a", "b", "c", "e"}
    assert all(set(k) == {"pk", "sk", "score"} for k in starts)
    ddb.update_item(TableName=table_name, Key={"pk": s("game"), "sk": s("d")},
                    UpdateExpression="SET score = :v", ExpressionAttributeValues={":v": n(25)})
    ddb.update_item(TableName=table_name, Key={"pk": s("game"), "sk": s("b")},
                    UpdateExpression="REMOVE score")
    assert [sk for sk, _ in on_lsi()][2:] == ["d", "a"]
    assert [score for _, score in on_lsi()] == [20, 20, 25, 30]
    got = ddb.scan(TableName=table_name, IndexName="by-score")
    assert sorted(i["sk"]["S"] for i in got["Items"]) == ["a", "c", "d", "e", "z"]


def test_index_read_errors(ddb, table_name):
    create(ddb, table_name, attrs(pk="S", sk="S", gsi1pk="S", gsi1sk="S"), key("pk", "sk"),
           gsis=[index("gsi1", "gsi1pk", "gsi1sk")])
    ddb.put_item(TableName=table_name, Item={"pk": s("a"), "sk": s("1"), "gsi1pk": s("G"),
                                             "gsi1sk": s("x")})
    code, message = error_of(query_index, ddb=ddb, table_name=table_name,
                             index_name="no-such-index", condition="gsi1pk = :g",
                             values={":g": s("G")})
    assert (code, message) == ("ValidationException",
                               "The table does not have the specified index: no-such-index")
    code, message = error_of(ddb.scan, TableName=table_name, IndexName="no-such-index")
    assert code == "ValidationException"
    assert "no-such-index" in message  # message text unconfirmed for Scan
    code, message = error_of(query_index, ddb=ddb, table_name=table_name, index_name="gsi1",
                             condition="gsi1pk = :g", values={":g": s("G")}, ConsistentRead=True)
    assert (code, message) == ("ValidationException",
                               "Consistent reads are not supported on global secondary indexes")
    code, message = error_of(ddb.scan, TableName=table_name, IndexName="gsi1",
                             ConsistentRead=True)
    assert code == "ValidationException"
    assert "Consistent reads are not supported" in message  # message text unconfirmed for Scan
    # The table's key is not the index's key.
    code, message = error_of(query_index, ddb=ddb, table_name=table_name, index_name="gsi1",
                             condition="pk = :p", values={":p": s("a")})
    assert code == "ValidationException"
    # message text unconfirmed: AWS's wording for a table Query; for an index only the
    # fragment is asserted (that it then names gsi1pk is not confirmed).
    assert "Query condition missed key schema element" in message
    code, _ = error_of(query_index, ddb=ddb, table_name="no-such-table", index_name="gsi1",
                       condition="gsi1pk = :g", values={":g": s("G")})
    assert code == "ResourceNotFoundException"
    got = query_index(ddb, table_name, "gsi1", "gsi1pk = :g", {":g": s("G")})
    assert [i["pk"]["S"] for i in got["Items"]] == ["a"]


def test_writes_with_bad_index_keys_change_nothing(ddb, table_name):
    create(ddb, table_name, attrs(pk="S", gsi1pk="S", gsi1sk="N"), key("pk"),
           gsis=[index("gsi1", "gsi1pk", "gsi1sk")])
    original = {"pk": s("k"), "gsi1pk": s("A"), "gsi1sk": n(1), "v": s("orig")}
    ddb.put_item(TableName=table_name, Item=original)
    invalid = "One or more parameter values were invalid: "
    empty = ("One or more parameter values are not valid. A value specified for a secondary "
             "index key is not supported. The AttributeValue for a key attribute cannot contain "
             "an empty string value. IndexName: gsi1, IndexKey: gsi1pk")
    puts = [
        ({"gsi1pk": n(1)},
         invalid + "Type mismatch for Index Key gsi1pk Expected: S Actual: N IndexName: gsi1"),
        ({"gsi1sk": s("x")},
         invalid + "Type mismatch for Index Key gsi1sk Expected: N Actual: S IndexName: gsi1"),
        ({"gsi1pk": {"M": {"x": s("y")}}},
         invalid + "Type mismatch for Index Key gsi1pk Expected: S Actual: M IndexName: gsi1"),
        ({"gsi1pk": s("")}, empty),
        # The text as AWS gave it in public error reports (an index's partition key over 2 KB).
        ({"gsi1pk": s("x" * 2049)},
         invalid + "Size limit exceeded for Index Key gsi1pk Actual Size: 2049 bytes "
                   "Max Size: 2048 bytes IndexName: gsi1"),
    ]
    for pk in ("k", "new"):
        for change, expected in puts:
            item = dict(original, pk=s(pk), v=s("changed"), **change)
            code, message = error_of(ddb.put_item, TableName=table_name, Item=item)
            assert (code, message) == ("ValidationException", expected), change
    for value in (n(2), s("")):
        code, message = error_of(ddb.update_item, TableName=table_name, Key={"pk": s("k")},
                                 UpdateExpression="SET gsi1pk = :v, v = :c",
                                 ExpressionAttributeValues={":v": value, ":c": s("changed")})
        assert code == "ValidationException", message  # message text unconfirmed
    code, message = error_of(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": table_name, "Item": dict(original, gsi1pk=n(3))}}])
    assert code == "ValidationException", message  # message text unconfirmed
    code, message = error_of(ddb.batch_write_item, RequestItems={table_name: [
        {"PutRequest": {"Item": dict(original, pk=s("batch"), gsi1pk=s(""))}}]})
    assert (code, message) == ("ValidationException", empty)
    # Exactly at the limit is fine.
    at_limit = dict(original, pk=s("at-limit"), gsi1pk=s("x" * 2048))
    ddb.put_item(TableName=table_name, Item=at_limit)
    ddb.delete_item(TableName=table_name, Key={"pk": s("at-limit")})
    assert ddb.get_item(TableName=table_name, Key={"pk": s("k")})["Item"] == original
    for pk in ("new", "batch"):
        assert "Item" not in ddb.get_item(TableName=table_name, Key={"pk": s(pk)})
    got = ddb.scan(TableName=table_name, IndexName="gsi1")
    assert got["Items"] == [original]


@pytest.mark.parametrize("attributes,gsis,lsis,expected,exact", [
    (attrs(pk="S", x="S"), None, [index("lsi1", "pk", "x")],
     "One or more parameter values were invalid: Table KeySchema does not have a range key, "
     "which is required when specifying a LocalSecondaryIndex", True),
    (attrs(pk="S", x="S", y="S"), [index("dup", "x"), index("dup", "y")], None,
     "One or more parameter values were invalid: Duplicate index name: dup", True),
    # Fragment confirmed; the "Keys: [...], AttributeDefinitions: [...]" tail is not.
    (attrs(pk="S"), [index("gsi1", "x")], None,
     "Some index key attributes are not defined in AttributeDefinitions", False),
    # Fragment confirmed; the listing that follows (and its order) is not.
    (attrs(pk="S", x="S", extra="S"), [index("gsi1", "x")], None,
     "One or more parameter values were invalid: Some AttributeDefinitions are not used", False),
], ids=["lsi-without-sort-key", "duplicate-index-name", "index-key-undefined",
        "unused-definition"])
def test_create_table_index_errors(ddb, table_name, attributes, gsis, lsis, expected, exact):
    code, message = error_of(create, ddb=ddb, name=table_name, attributes=attributes,
                             table_key=key("pk"), gsis=gsis, lsis=lsis)
    assert code == "ValidationException"
    if exact:
        assert message == expected
    else:
        assert expected in message, message
    assert table_name not in ddb.list_tables()["TableNames"]


def test_update_table_backfills_a_new_gsi_then_deletes_it(ddb, table_name):
    create(ddb, table_name, attrs(pk="S"), key("pk"))
    colours = {"p0": s("red"), "p1": s("blue"), "p2": s("red"), "p3": None, "p4": n(7),
               "p5": s("red")}
    for pk, colour in colours.items():
        item = {"pk": s(pk), "size": n(len(pk))}
        if colour:
            item["colour"] = colour
        ddb.put_item(TableName=table_name, Item=item)
    out = ddb.update_table(TableName=table_name, AttributeDefinitions=attrs(colour="S"),
                           GlobalSecondaryIndexUpdates=[{"Create": index("by-colour", "colour")}])
    assert "by-colour" in indexes_of(out["TableDescription"])

    def active():
        table = ddb.describe_table(TableName=table_name)["Table"]
        gsi = indexes_of(table).get("by-colour")
        return table["TableStatus"] == "ACTIVE" and gsi is not None and \
            gsi["IndexStatus"] == "ACTIVE"

    assert wait_until(active), ddb.describe_table(TableName=table_name)["Table"]

    def of(colour):
        got = query_index(ddb, table_name, "by-colour", "colour = :c", {":c": s(colour)})
        return sorted(i["pk"]["S"] for i in got["Items"])

    # Backfilled: the items already there with a string colour, and no others (p3 has none,
    # p4's is a number).
    assert of("red") == ["p0", "p2", "p5"]
    assert of("blue") == ["p1"]
    got = ddb.scan(TableName=table_name, IndexName="by-colour")
    assert sorted(i["pk"]["S"] for i in got["Items"]) == ["p0", "p1", "p2", "p5"]
    ddb.put_item(TableName=table_name, Item={"pk": s("p6"), "colour": s("red")})
    assert of("red") == ["p0", "p2", "p5", "p6"]
    code, message = error_of(ddb.put_item, TableName=table_name,
                             Item={"pk": s("p7"), "colour": n(3)})
    assert (code, message) == ("ValidationException", "One or more parameter values were invalid: "
                               "Type mismatch for Index Key colour Expected: S Actual: N "
                               "IndexName: by-colour")
    assert "Item" not in ddb.get_item(TableName=table_name, Key={"pk": s("p7")})
    code, message = error_of(ddb.update_table, TableName=table_name,
                             AttributeDefinitions=attrs(size="N"),
                             GlobalSecondaryIndexUpdates=[{"Create": index("by-colour", "size")}])
    assert code == "ValidationException"
    assert "already exists" in message  # message text unconfirmed (only this fragment is)
    assert indexes_of(ddb.describe_table(TableName=table_name)["Table"])["by-colour"][
        "KeySchema"] == key("colour")

    ddb.update_table(TableName=table_name,
                     GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-colour"}}])
    assert wait_until(lambda: "by-colour" not in indexes_of(
        ddb.describe_table(TableName=table_name)["Table"]))
    code, message = error_of(query_index, ddb=ddb, table_name=table_name, index_name="by-colour",
                             condition="colour = :c", values={":c": s("red")})
    assert (code, message) == ("ValidationException",
                               "The table does not have the specified index: by-colour")
    # The index's type rule went with it; the table's items stayed.
    ddb.put_item(TableName=table_name, Item={"pk": s("p7"), "colour": n(3)})
    assert ddb.scan(TableName=table_name, Select="COUNT")["Count"] == 8


def test_indexes_survive_a_restart(fresh_server, table_name):
    fresh_server.start()
    ddb = fresh_server.client("dynamodb")
    create(ddb, table_name, attrs(pk="S", sk="S", gsi1pk="S", seq="N"), key("pk", "sk"),
           gsis=[index("gsi1", "gsi1pk", "seq")],
           lsis=[index("lsi1", "pk", "seq", "KEYS_ONLY")])
    for i in range(20):
        item = {"pk": s("h"), "sk": s("s%02d" % i), "seq": n(i), "tag": s("t%d" % (i % 3))}
        if i % 5:
            item["gsi1pk"] = s("odd" if i % 2 else "even")
        ddb.put_item(TableName=table_name, Item=item)
    ddb.update_item(TableName=table_name, Key={"pk": s("h"), "sk": s("s03")},
                    UpdateExpression="SET gsi1pk = :e", ExpressionAttributeValues={":e": s("even")})
    ddb.update_item(TableName=table_name, Key={"pk": s("h"), "sk": s("s04")},
                    UpdateExpression="REMOVE gsi1pk")
    ddb.update_table(TableName=table_name, AttributeDefinitions=attrs(tag="S"),
                     GlobalSecondaryIndexUpdates=[{"Create": index("by-tag", "tag", "seq")}])
    assert wait_until(lambda: indexes_of(ddb.describe_table(TableName=table_name)["Table"]).get(
        "by-tag", {}).get("IndexStatus") == "ACTIVE")
    fresh_server.stop()
    fresh_server.start()
    ddb = fresh_server.client("dynamodb")
    table = ddb.describe_table(TableName=table_name)["Table"]
    gsis = indexes_of(table)
    assert set(gsis) == {"gsi1", "by-tag"}
    assert all(g["IndexStatus"] == "ACTIVE" for g in gsis.values())
    assert set(indexes_of(table, "LocalSecondaryIndexes")) == {"lsi1"}

    def seqs(index_name, condition, values):
        got = query_index(ddb, table_name, index_name, condition, values)
        return [int(i["seq"]["N"]) for i in got["Items"]]

    assert seqs("gsi1", "gsi1pk = :g", {":g": s("even")}) == [2, 3, 6, 8, 12, 14, 16, 18]
    assert seqs("gsi1", "gsi1pk = :g", {":g": s("odd")}) == [1, 7, 9, 11, 13, 17, 19]
    assert seqs("by-tag", "tag = :t", {":t": s("t1")}) == [1, 4, 7, 10, 13, 16, 19]
    got = query_index(ddb, table_name, "lsi1", "pk = :h AND seq >= :v",
                      {":h": s("h"), ":v": n(17)})["Items"]
    assert got == [{"pk": s("h"), "sk": s("s%02d" % i), "seq": n(i)} for i in (17, 18, 19)]
    ddb.delete_item(TableName=table_name, Key={"pk": s("h"), "sk": s("s02")})
    assert seqs("gsi1", "gsi1pk = :g", {":g": s("even")}) == [3, 6, 8, 12, 14, 16, 18]


def test_aws_cli_queries_an_index(server, ddb, table_name):
    create(ddb, table_name, attrs(pk="S", city="S"), key("pk"),
           gsis=[index("by-city", "city", projection="KEYS_ONLY")])
    for pk, city in (("a", "Oslo"), ("b", "Oslo"), ("c", "Rome"), ("d", None)):
        item = {"pk": s(pk), "pop": n(len(pk))}
        if city:
            item["city"] = s(city)
        ddb.put_item(TableName=table_name, Item=item)
    got = server.aws("dynamodb", "query", "--table-name", table_name, "--index-name", "by-city",
                     "--key-condition-expression", "city = :c",
                     "--expression-attribute-values", '{":c": {"S": "Oslo"}}')
    assert got["Count"] == 2
    assert sorted(got["Items"], key=lambda i: i["pk"]["S"]) == [
        {"pk": {"S": "a"}, "city": {"S": "Oslo"}}, {"pk": {"S": "b"}, "city": {"S": "Oslo"}}]
