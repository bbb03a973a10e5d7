"""DynamoDB tables and items with boto3 (client and resource APIs) and the aws CLI: table
lifecycle, PutItem / GetItem / DeleteItem with conditions and return values, AWS's errors, and
items surviving a restart."""
import decimal
import itertools
import json
import time

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import CREDENTIALS

_names = itertools.count()


@pytest.fixture
def ddb(server):
    return server.client("dynamodb")


@pytest.fixture
def table_name(request):
    safe = "".join(c if c.isalnum() or c in "_.-" else "-" for c in request.node.name[:40])
    return "ddb-%s-%d" % (safe, next(_names))


def create(ddb, name, sort=None, sort_type="N"):
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    key = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if sort:
        attributes.append({"AttributeName": sort, "AttributeType": sort_type})
        key.append({"AttributeName": sort, "KeyType": "RANGE"})
    return ddb.create_table(TableName=name, AttributeDefinitions=attributes, KeySchema=key,
                            BillingMode="PAY_PER_REQUEST")["TableDescription"]


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_table_lifecycle_and_waiter(ddb, table_name):
    description = create(ddb, table_name, sort="sk")
    assert description["TableStatus"] == "ACTIVE"
    assert description["TableArn"] == \
        "arn:aws:dynamodb:us-east-1:000000000000:table/" + table_name
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [k["KeyType"] for k in description["KeySchema"]] == ["HASH", "RANGE"]
    # The waiter polls DescribeTable; ACTIVE at once means no 20 s sleep.
    ddb.get_waiter("table_exists").wait(TableName=table_name,
                                        WaiterConfig={"Delay": 1, "MaxAttempts": 3})
    table = ddb.describe_table(TableName=table_name)["Table"]
    assert table["TableName"] == table_name
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"},
                                             {"AttributeName": "sk", "AttributeType": "N"}]
    assert table_name in ddb.list_tables()["TableNames"]
    code, message = error_of(create, ddb=ddb, name=table_name)
    assert code == "ResourceInUseException"
    assert message == "Table already exists: " + table_name
    assert ddb.delete_table(TableName=table_name)["TableDescription"]["TableStatus"] == "DELETING"
    code, message = error_of(ddb.describe_table, TableName=table_name)
    assert code == "ResourceNotFoundException"
    assert message == "Requested resource not found: Table: %s not found" % table_name
    ddb.get_waiter("table_not_exists").wait(TableName=table_name,
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 3})


def test_list_tables_pages(ddb):
    names = ["page-%03d-%d" % (i, next(_names)) for i in range(5)]
    for n in names:
        create(ddb, n)
    first = ddb.list_tables(Limit=2)
    assert len(first["TableNames"]) == 2
    assert first["LastEvaluatedTableName"] == first["TableNames"][-1]
    seen = [n for page in ddb.get_paginator("list_tables").paginate(
        PaginationConfig={"PageSize": 2}) for n in page["TableNames"]]
    assert seen == sorted(seen)
    assert set(names) <= set(seen)
    code, message = error_of(ddb.list_tables, Limit=101)
    assert code == "ValidationException"
    assert "Member must have value less than or equal to 100" in message
    for n in names:
        ddb.delete_table(TableName=n)


@pytest.mark.parametrize("kwargs,fragment", [
    (dict(KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}]),
     "The first KeySchemaElement is not a HASH key type"),
    (dict(KeySchema=[{"AttributeName": "x", "KeyType": "HASH"}]),
     "Some index key attributes are not defined in AttributeDefinitions. Keys: [x], "
     "AttributeDefinitions: [pk]"),
    (dict(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                {"AttributeName": "extra", "AttributeType": "S"}]),
     "Number of attributes in KeySchema does not exactly match number of attributes defined "
     "in AttributeDefinitions"),
    (dict(BillingMode="PROVISIONED"), "No provisioned throughput specified for the table"),
    (dict(TableName="bad name!"), "Member must satisfy regular expression pattern"),
])
def test_create_table_errors(ddb, table_name, kwargs, fragment):
    request = dict(TableName=table_name,
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   BillingMode="PAY_PER_REQUEST")
    request.update(kwargs)
    if request.get("BillingMode") == "PROVISIONED":
        request.pop("ProvisionedThroughput", None)
    code, message = error_of(ddb.create_table, **request)
    assert code == "ValidationException"
    assert fragment in message
    assert table_name not in ddb.list_tables()["TableNames"]


def test_table_name_too_short(server):
    # botocore refuses it before sending; the server must say the same.
    status, error = server.raw("DynamoDB_20120810.DescribeTable", '{"TableName": "ab"}',
                               "application/x-amz-json-1.0")
    assert status == 400
    assert error["__type"] == "ValidationException"
    assert "Member must have length greater than or equal to 3" in error["message"]


def test_put_get_delete_with_numbers_sets_and_nesting(ddb, table_name):
    create(ddb, table_name, sort="sk")
    item = {"pk": {"S": "user#1"}, "sk": {"N": "1.50"}, "n": {"N": "-0.000100"},
            "big": {"N": "12345678901234567890123456789012345678"},
            "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["2", "1.0"]}, "bs": {"BS": [b"\x00\x01"]},
            "m": {"M": {"l": {"L": [{"NULL": True}, {"BOOL": False}, {"B": b"\xff"}]}}},
            "empty": {"S": ""}}
    assert "Attributes" not in ddb.put_item(TableName=table_name, Item=item)
    again = ddb.put_item(TableName=table_name, Item=item, ReturnValues="ALL_OLD")
    assert again["Attributes"]["sk"] == {"N": "1.5"}
    got = ddb.get_item(TableName=table_name,
                       Key={"pk": {"S": "user#1"}, "sk": {"N": "1.5"}})["Item"]
    assert got["sk"] == {"N": "1.5"}  # normalized
    assert got["n"] == {"N": "-0.0001"}
    assert got["big"] == {"N": "12345678901234567890123456789012345678"}
    assert sorted(got["ss"]["SS"]) == ["a", "b"]
    assert sorted(got["ns"]["NS"]) == ["1", "2"]
    assert got["bs"] == {"BS": [b"\x00\x01"]}
    assert got["m"]["M"]["l"]["L"] == [{"NULL": True}, {"BOOL": False}, {"B": b"\xff"}]
    assert got["empty"] == {"S": ""}
    old = ddb.delete_item(TableName=table_name, Key={"pk": {"S": "user#1"}, "sk": {"N": "1.5"}},
                          ReturnValues="ALL_OLD")["Attributes"]
    assert old["pk"] == {"S": "user#1"}
    assert "Item" not in ddb.get_item(TableName=table_name,
                                      Key={"pk": {"S": "user#1"}, "sk": {"N": "1.5"}})


def test_optimistic_locking_with_a_version_attribute(server, table_name):
    resource = boto3.resource("dynamodb", endpoint_url=server.endpoint,
                              config=botocore.config.Config(retries={"max_attempts": 1}),
                              **CREDENTIALS)
    ddb = server.client("dynamodb")
    create(ddb, table_name)
    table = resource.Table(table_name)
    table.put_item(Item={"pk": "doc", "version": 1, "body": "v1"},
                   ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as info:
        table.put_item(Item={"pk": "doc", "version": 1, "body": "again"},
                       ConditionExpression="attribute_not_exists(pk)")
    assert info.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    # Two writers read version 1; the first to write wins, the second is refused.
    table.put_item(Item={"pk": "doc", "version": 2, "body": "v2"},
                   ConditionExpression="#v = :expected",
                   ExpressionAttributeNames={"#v": "version"},
                   ExpressionAttributeValues={":expected": 1})
    with pytest.raises(ClientError) as info:
        table.put_item(Item={"pk": "doc", "version": 2, "body": "lost"},
                       ConditionExpression="#v = :expected",
                       ExpressionAttributeNames={"#v": "version"},
                       ExpressionAttributeValues={":expected": 1})
    assert info.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert info.value.response["Error"]["Message"] == "The conditional request failed"
    # ReturnValuesOnConditionCheckFailure is newer than this machine's botocore: sent raw.
    status, error = server.raw("DynamoDB_20120810.PutItem", json.dumps({
        "TableName": table_name,
        "Item": {"pk": {"S": "doc"}, "version": {"N": "2"}, "body": {"S": "lost"}},
        "ConditionExpression": "#v = :expected", "ExpressionAttributeNames": {"#v": "version"},
        "ExpressionAttributeValues": {":expected": {"N": "1"}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}), "application/x-amz-json-1.0")
    assert status == 400
    assert error["__type"] == "ConditionalCheckFailedException"
    assert error["Item"]["body"] == {"S": "v2"}
    item = table.get_item(Key={"pk": "doc"}, ConsistentRead=True)["Item"]
    assert item["version"] == decimal.Decimal(2) and item["body"] == "v2"


def test_item_errors_change_nothing(ddb, table_name):
    create(ddb, table_name, sort="sk")
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    cases = [
        (dict(Item={"pk": {"S": "a"}}),
         "One or more parameter values were invalid: Missing the key sk in the item"),
        (dict(Item={"pk": {"S": "a"}, "sk": {"S": "1"}}),
         "One or more parameter values were invalid: Type mismatch for key sk expected: N "
         "actual: S"),
        (dict(Item=dict(key, s={"SS": []})),
         "One or more parameter values were invalid: An string set  may not be empty"),
        (dict(Item=dict(key, n={"N": "1" * 39})),
         "Attempting to store more than 38 significant digits in a Number"),
        (dict(Item=dict(key, big={"S": "x" * 400 * 1024})),
         "Item size has exceeded the maximum allowed size"),
        (dict(Item=key, ConditionExpression="a = :unused_and_undefined"),
         "An expression attribute value used in expression is not defined"),
        (dict(Item=key, ConditionExpression="attribute_exists(pk)",
              ExpressionAttributeValues={":x": {"S": "1"}}),
         "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"),
        (dict(Item=key, ExpressionAttributeNames={"#a": "a"}),
         "ExpressionAttributeNames can only be specified when using expressions"),
        (dict(Item=key, ReturnValues="ALL_NEW"), "ReturnValues can only be ALL_OLD or NONE"),
    ]
    for kwargs, fragment in cases:
        code, message = error_of(ddb.put_item, TableName=table_name, **kwargs)
        assert code == "ValidationException", (kwargs, message)
        assert fragment in message, (kwargs, message)
    assert "Item" not in ddb.get_item(TableName=table_name, Key=key)
    code, message = error_of(ddb.get_item, TableName=table_name, Key={"pk": {"S": "a"}})
    assert (code, message) == ("ValidationException",
                               "The provided key element does not match the schema")
    code, message = error_of(ddb.get_item, TableName="no-such-table", Key=key)
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_conditions_on_missing_attributes_and_mismatched_types_are_false(ddb, table_name):
    create(ddb, table_name)
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "k"}, "n": {"N": "5"}, "s": {"S": "x"}})
    refused = ["absent_attribute > :one", "n > :str", "s < :one", "size(n) > :one",
               "begins_with(n, :str)", "NOT attribute_exists(n)"]
    for condition in refused:
        values = {":one": {"N": "1"}, ":str": {"S": "a"}}
        used = {k: v for k, v in values.items() if k in condition}
        kwargs = dict(ExpressionAttributeValues=used) if used else {}
        code, _ = error_of(ddb.delete_item, TableName=table_name, Key={"pk": {"S": "k"}},
                           ConditionExpression=condition, **kwargs)
        assert code == "ConditionalCheckFailedException", condition
    ddb.delete_item(TableName=table_name, Key={"pk": {"S": "k"}},
                    ConditionExpression="n BETWEEN :a AND :b AND s IN (:x, :y)",
                    ExpressionAttributeValues={":a": {"N": "1"}, ":b": {"N": "10"},
                                               ":x": {"S": "x"}, ":y": {"S": "y"}})
    assert "Item" not in ddb.get_item(TableName=table_name, Key={"pk": {"S": "k"}})


def test_tags_and_describe_calls_that_tools_make(ddb, table_name):
    arn = create(ddb, table_name)["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "core"}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "core"}]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == []
    backups = ddb.describe_continuous_backups(TableName=table_name)
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"] == "DISABLED"
    assert ddb.describe_limits()["TableMaxWriteCapacityUnits"] == 40000
    # Endpoint discovery points back at the server the client used.
    endpoints = ddb.describe_endpoints()["Endpoints"]
    assert endpoints == [{"Address": ddb.meta.endpoint_url.split("://")[1],
                          "CachePeriodInMinutes": 1440}]


def test_a_transaction_over_4_mb_is_refused_and_writes_nothing(ddb, table_name):
    create(ddb, table_name)
    big = "x" * (390 * 1024)
    items = [{"Put": {"TableName": table_name, "Item": {"pk": {"S": "big-%d" % i},
                                                         "blob": {"S": big}}}}
             for i in range(11)]  # 11 x 390 KB > 4 MB, each item under 400 KB
    code, message = error_of(ddb.transact_write_items, TransactItems=items)
    assert code == "ValidationException"
    assert "4 MB" in message  # message text unconfirmed

    def count():  # a Scan page stops at 1 MB, so page through
        pages = ddb.get_paginator("scan").paginate(TableName=table_name, Select="COUNT")
        return sum(page["Count"] for page in pages)

    assert count() == 0
    ddb.transact_write_items(TransactItems=items[:10])  # 3.9 MB is allowed
    assert count() == 10


def test_aws_cli_round_trip(server, table_name):
    server.aws("dynamodb", "create-table", "--table-name", table_name,
               "--attribute-definitions", "AttributeName=pk,AttributeType=S",
               "--key-schema", "AttributeName=pk,KeyType=HASH",
               "--billing-mode", "PAY_PER_REQUEST")
    server.aws("dynamodb", "put-item", "--table-name", table_name,
               "--item", '{"pk": {"S": "cli"}, "n": {"N": "007"}}')
    got = server.aws("dynamodb", "get-item", "--table-name", table_name,
                     "--key", '{"pk": {"S": "cli"}}')
    assert got["Item"] == {"pk": {"S": "cli"}, "n": {"N": "7"}}
    server.aws("dynamodb", "delete-table", "--table-name", table_name)


def test_items_survive_a_restart(fresh_server, table_name):
    fresh_server.start()
    ddb = fresh_server.client("dynamodb")
    create(ddb, table_name)
    for i in range(50):
        ddb.put_item(TableName=table_name, Item={"pk": {"S": "k%d" % i}, "v": {"N": str(i)}})
    fresh_server.stop()
    fresh_server.start()
    ddb = fresh_server.client("dynamodb")
    assert ddb.describe_table(TableName=table_name)["Table"]["TableStatus"] == "ACTIVE"
    for i in range(50):
        item = ddb.get_item(TableName=table_name, Key={"pk": {"S": "k%d" % i}})["Item"]
        assert item["v"] == {"N": str(i)}


def test_update_item_expressions_and_return_values(ddb, table_name):
    create(ddb, table_name)
    key = {"pk": {"S": "counter"}}
    # An update of a missing item creates it.
    out = ddb.update_item(TableName=table_name, Key=key,
                          UpdateExpression="SET n = if_not_exists(n, :zero) + :one, "
                                           "tags = :tags, doc = :doc, l = :l",
                          ExpressionAttributeValues={
                              ":zero": {"N": "0"}, ":one": {"N": "1"},
                              ":tags": {"SS": ["a", "b"]},
                              ":doc": {"M": {"deep": {"M": {"x": {"N": "1"}}}}},
                              ":l": {"L": [{"S": "first"}]}},
                          ReturnValues="ALL_NEW")["Attributes"]
    assert out["n"] == {"N": "1"}
    for _ in range(3):
        ddb.update_item(TableName=table_name, Key=key, UpdateExpression="ADD n :d",
                        ExpressionAttributeValues={":d": {"N": "0.1"}})
    out = ddb.update_item(
        TableName=table_name, Key=key,
        UpdateExpression="SET doc.deep.y = :y, l = list_append(l, :more) "
                         "REMOVE doc.deep.x ADD tags :c",
        ExpressionAttributeValues={":y": {"S": "why"}, ":more": {"L": [{"N": "2"}]},
                                   ":c": {"SS": ["c"]}},
        ReturnValues="UPDATED_OLD")
    # UPDATED_OLD: the updated paths as they were (doc.deep.y did not exist).
    assert out["Attributes"]["l"] == {"L": [{"S": "first"}]}
    ddb.update_item(TableName=table_name, Key=key, UpdateExpression="SET l[0] = :zeroth "
                    "DELETE tags :a", ExpressionAttributeValues={":zeroth": {"S": "replaced"},
                                                                 ":a": {"SS": ["a"]}})
    item = ddb.get_item(TableName=table_name, Key=key, ConsistentRead=True)["Item"]
    assert item["n"] == {"N": "1.3"}  # exact decimal arithmetic
    assert sorted(item["tags"]["SS"]) == ["b", "c"]
    assert item["doc"] == {"M": {"deep": {"M": {"y": {"S": "why"}}}}}
    assert item["l"]["L"] == [{"S": "replaced"}, {"N": "2"}]
    projected = ddb.get_item(TableName=table_name, Key=key,
                             ProjectionExpression="doc.deep.y, #n",
                             ExpressionAttributeNames={"#n": "n"})["Item"]
    assert projected == {"doc": {"M": {"deep": {"M": {"y": {"S": "why"}}}}},
                         "n": {"N": "1.3"}}
    out = ddb.update_item(TableName=table_name, Key=key, UpdateExpression="REMOVE tags",
                          ReturnValues="UPDATED_NEW")
    assert "Attributes" not in out
    # An update that only removes creates nothing; one without an expression creates the key.
    ddb.update_item(TableName=table_name, Key={"pk": {"S": "ghost"}},
                    UpdateExpression="REMOVE a, b")
    assert "Item" not in ddb.get_item(TableName=table_name, Key={"pk": {"S": "ghost"}})
    ddb.update_item(TableName=table_name, Key={"pk": {"S": "bare"}})
    assert ddb.get_item(TableName=table_name, Key={"pk": {"S": "bare"}})["Item"] == {
        "pk": {"S": "bare"}}


@pytest.mark.parametrize("update,values,fragment", [
    ("SET pk = :v", {":v": {"S": "x"}},
     "Cannot update attribute pk. This attribute is part of the key"),
    ("SET a = :v, a.b = :v", {":v": {"S": "x"}}, "Two document paths overlap with each other"),
    ("SET a = :v SET b = :v", {":v": {"S": "x"}},
     'The "SET" section can only be used once in an update expression'),
    ("SET s = s + :one", {":one": {"N": "1"}},
     "An operand in the update expression has an incorrect data type"),
    ("SET a = absent_attribute + :one", {":one": {"N": "1"}},
     "The provided expression refers to an attribute that does not exist in the item"),
    ("SET #name = :v", {":v": {"S": "x"}},
     "An expression attribute name used in the document path is not defined"),
    ("SET status = :v", {":v": {"S": "x"}}, "Attribute name is a reserved keyword"),
])
def test_update_item_errors_change_nothing(ddb, table_name, update, values, fragment):
    create(ddb, table_name)
    key = {"pk": {"S": "k"}}
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "k"}, "s": {"S": "text"}})
    code, message = error_of(ddb.update_item, TableName=table_name, Key=key,
                             UpdateExpression=update, ExpressionAttributeValues=values)
    assert code == "ValidationException"
    assert fragment in message
    assert ddb.get_item(TableName=table_name, Key=key)["Item"] == {
        "pk": {"S": "k"}, "s": {"S": "text"}}


def fill_orders(ddb, table_name):
    create(ddb, table_name, sort="sk")
    for customer in ("alice", "bob"):
        for n in ("-5", "0", "1.5", "2", "10", "100"):
            ddb.put_item(TableName=table_name, Item={
                "pk": {"S": customer}, "sk": {"N": n},
                "status": {"S": "open" if n in ("2", "100") else "closed"},
                "pad": {"S": "x" * 10}})


def query(ddb, table_name, condition, values, **kwargs):
    return ddb.query(TableName=table_name, KeyConditionExpression=condition,
                     ExpressionAttributeValues=values, **kwargs)


def test_query_orders_and_sort_key_conditions(ddb, table_name):
    fill_orders(ddb, table_name)
    a = {":p": {"S": "alice"}}
    got = query(ddb, table_name, "pk = :p", a)
    assert [i["sk"]["N"] for i in got["Items"]] == ["-5", "0", "1.5", "2", "10", "100"]
    assert got["Count"] == 6 and "LastEvaluatedKey" not in got
    got = query(ddb, table_name, "pk = :p", a, ScanIndexForward=False)
    assert [i["sk"]["N"] for i in got["Items"]] == ["100", "10", "2", "1.5", "0", "-5"]
    cases = [("pk = :p AND sk = :v", {":v": {"N": "2.0"}}, ["2"]),
             ("pk = :p AND sk < :v", {":v": {"N": "2"}}, ["-5", "0", "1.5"]),
             ("pk = :p AND sk <= :v", {":v": {"N": "2"}}, ["-5", "0", "1.5", "2"]),
             ("pk = :p AND sk > :v", {":v": {"N": "2"}}, ["10", "100"]),
             ("pk = :p AND :v <= sk", {":v": {"N": "10"}}, ["10", "100"]),
             ("pk = :p AND sk BETWEEN :lo AND :hi", {":lo": {"N": "0"}, ":hi": {"N": "10"}},
              ["0", "1.5", "2", "10"])]
    for condition, values, expected in cases:
        got = query(ddb, table_name, condition, dict(a, **values))
        assert [i["sk"]["N"] for i in got["Items"]] == expected, condition


def test_query_paging_filter_projection_and_count(ddb, table_name):
    fill_orders(ddb, table_name)
    a = {":p": {"S": "bob"}}
    pages, start = [], None
    while True:
        kwargs = dict(Limit=4)
        if start:
            kwargs["ExclusiveStartKey"] = start
        got = query(ddb, table_name, "pk = :p", a, **kwargs)
        pages.append([i["sk"]["N"] for i in got["Items"]])
        start = got.get("LastEvaluatedKey")
        if not start:
            break
    assert pages[0] == ["-5", "0", "1.5", "2"]
    assert sum(pages, []) == ["-5", "0", "1.5", "2", "10", "100"]
    # Limit counts items read, before the filter; Count counts what the filter kept.
    got = query(ddb, table_name, "pk = :p", dict(a, **{":s": {"S": "open"}}),
                FilterExpression="#st = :s", ExpressionAttributeNames={"#st": "status"},
                Limit=4)
    assert got["ScannedCount"] == 4 and got["Count"] == 1
    assert got["LastEvaluatedKey"] == {"pk": {"S": "bob"}, "sk": {"N": "2"}}
    got = query(ddb, table_name, "pk = :p", a, Select="COUNT")
    assert got["Count"] == 6 and "Items" not in got
    got = query(ddb, table_name, "pk = :p", a, ProjectionExpression="sk")
    assert got["Items"][0] == {"sk": {"N": "-5"}}
    code, message = error_of(query, ddb=ddb, table_name=table_name, condition="pk = :p",
                             values=dict(a, **{":v": {"N": "1"}}), FilterExpression="sk > :v")
    assert (code, message) == ("ValidationException", "Filter Expression can only contain "
                               "non-primary key attributes: Primary key attribute: sk")
    paginated = [i["sk"]["N"] for page in ddb.get_paginator("query").paginate(
        TableName=table_name, KeyConditionExpression="pk = :p", ExpressionAttributeValues=a,
        PaginationConfig={"PageSize": 2}) for i in page["Items"]]
    assert paginated == ["-5", "0", "1.5", "2", "10", "100"]


@pytest.mark.parametrize("condition,values,fragment", [
    ("sk = :v", {":v": {"N": "1"}}, "Query condition missed key schema element: pk"),
    ("pk = :p OR sk = :v", {":p": {"S": "a"}, ":v": {"N": "1"}},
     "Invalid operator used in KeyConditionExpression: OR"),
    ("pk = :p AND colour = :v", {":p": {"S": "a"}, ":v": {"N": "1"}},
     "Query condition missed key schema element"),
    ("pk = :p", {":p": {"N": "1"}}, "Condition parameter type does not match schema type"),
])
def test_query_key_condition_errors(ddb, table_name, condition, values, fragment):
    create(ddb, table_name, sort="sk")
    code, message = error_of(query, ddb=ddb, table_name=table_name, condition=condition,
                             values=values)
    assert code == "ValidationException"
    assert fragment in message, message


@pytest.mark.parametrize("operation", ["Query", "Scan"])
def test_query_and_scan_answer_alike_on_either_path(server, ddb, table_name, operation):
    # A Query or unsegmented Scan with a Limit of at most 100 and a body of at most 64 KiB is
    # parsed and run on the HTTP thread; any other on a worker. The answers and the errors must
    # not depend on it.
    fill_orders(ddb, table_name)
    target, json_1_0 = "DynamoDB_20120810." + operation, "application/x-amz-json-1.0"
    base = {"TableName": table_name, "FilterExpression": "#pad <> :pad",
            "ExpressionAttributeNames": {"#pad": "pad"},
            "ExpressionAttributeValues": {":pad": {"S": "-"}}}
    if operation == "Query":
        base["KeyConditionExpression"] = "pk = :p"
        base["ExpressionAttributeValues"][":p"] = {"S": "bob"}

    def answer(limit=None, pad="-", **extra):
        body = json.loads(json.dumps(base))
        body["ExpressionAttributeValues"][":pad"] = {"S": pad}
        if limit is not None:
            body["Limit"] = limit
        body.update(extra)
        status, got = server.raw(target, json.dumps(body), json_1_0)
        assert status == 200, got
        return got

    big = "y" * (70 << 10)  # a body over 64 KiB: the worker's path
    for limit in (1, 2, 100):
        small_body, large_body = answer(limit), answer(limit, pad=big)
        assert small_body == large_body, limit
        assert small_body["ScannedCount"] <= limit
        assert ("LastEvaluatedKey" in small_body) == (limit < (6 if operation == "Query" else 12))
    assert answer(100) == answer(101) == answer(None)  # inline, worker, worker
    if operation == "Scan":  # segmented: always the worker's
        assert answer(100, Segment=0, TotalSegments=1) == answer(100)
    # Malformed bodies and limits: the same errors whichever path would have run them.
    status, error = server.raw(target, '{"TableName": "%s", "Limit": ' % table_name, json_1_0)
    assert status == 400 and error["__type"].endswith("SerializationException")
    for pad in ("-", big):
        for limit, expected in (("5", "SerializationException"), (0, "ValidationException"),
                                (-1, "ValidationException")):
            body = json.loads(json.dumps(base))
            body["ExpressionAttributeValues"][":pad"] = {"S": pad}
            body["Limit"] = limit
            status, error = server.raw(target, json.dumps(body), json_1_0)
            assert status == 400 and error["__type"].endswith(expected), (limit, error)


def test_scan_segments_cover_every_item_once(ddb, table_name):
    fill_orders(ddb, table_name)
    seen = []
    for segment in range(3):
        start = None
        while True:
            kwargs = dict(TableName=table_name, Segment=segment, TotalSegments=3, Limit=2)
            if start:
                kwargs["ExclusiveStartKey"] = start
            got = ddb.scan(**kwargs)
            seen += [(i["pk"]["S"], i["sk"]["N"]) for i in got["Items"]]
            start = got.get("LastEvaluatedKey")
            if not start:
                break
    assert len(seen) == 12 and len(set(seen)) == 12
    got = ddb.scan(TableName=table_name, FilterExpression="#st = :s",
                   ExpressionAttributeNames={"#st": "status"},
                   ExpressionAttributeValues={":s": {"S": "open"}})
    assert got["Count"] == 4 and got["ScannedCount"] == 12
    code, message = error_of(ddb.scan, TableName=table_name, Segment=3, TotalSegments=3)
    assert code == "ValidationException"
    assert "Segment: 3 is not less than TotalSegments: 3" in message


def test_batch_write_and_get(server, table_name):
    ddb = server.client("dynamodb")
    create(ddb, table_name)
    puts = [{"PutRequest": {"Item": {"pk": {"S": "b%02d" % i}, "v": {"N": str(i)}}}}
            for i in range(25)]
    assert ddb.batch_write_item(RequestItems={table_name: puts})["UnprocessedItems"] == {}
    keys = [{"pk": {"S": "b%02d" % i}} for i in range(25)] + [{"pk": {"S": "absent"}}]
    got = ddb.batch_get_item(RequestItems={table_name: {"Keys": keys,
                                                        "ProjectionExpression": "v"}})
    assert sorted(int(i["v"]["N"]) for i in got["Responses"][table_name]) == list(range(25))
    assert got["UnprocessedKeys"] == {}
    ddb.batch_write_item(RequestItems={table_name: [
        {"DeleteRequest": {"Key": {"pk": {"S": "b00"}}}}]})
    assert "Item" not in ddb.get_item(TableName=table_name, Key={"pk": {"S": "b00"}})
    code, message = error_of(ddb.batch_write_item, RequestItems={table_name: puts + puts[:1]})
    assert code == "ValidationException"
    assert "Too many items requested for the BatchWriteItem call" in message
    code, message = error_of(ddb.batch_write_item, RequestItems={table_name: puts[:2] + puts[:1]})
    assert (code, message) == ("ValidationException",
                               "Provided list of item keys contains duplicates")
    # botocore refuses an empty Keys before sending; the server must as well.
    status, error = server.raw("DynamoDB_20120810.BatchGetItem", json.dumps(
        {"RequestItems": {table_name: {"Keys": []}}}), "application/x-amz-json-1.0")
    assert status == 400 and error["__type"] == "ValidationException"
    assert "Member must have length greater than or equal to 1" in error["message"]
    code, message = error_of(ddb.batch_get_item, RequestItems={table_name: {"Keys": keys[:1] * 2}})
    assert (code, message) == ("ValidationException",
                               "Provided list of item keys contains duplicates")
    # boto3's resource batch writer on top.
    resource = boto3.resource("dynamodb", endpoint_url=server.endpoint, **CREDENTIALS)
    with resource.Table(table_name).batch_writer() as batch:
        for i in range(60):
            batch.put_item(Item={"pk": "w%02d" % i, "n": i})
    assert ddb.scan(TableName=table_name, Select="COUNT")["Count"] == 24 + 60


def test_transactions_commit_whole_or_cancel_with_ordered_reasons(ddb, table_name):
    create(ddb, table_name)
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "acct-a"}, "bal": {"N": "100"}})
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "acct-b"}, "bal": {"N": "0"}})
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "bank"}})

    def transfer(amount, token=None):
        kwargs = dict(ClientRequestToken=token) if token else {}
        return ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": table_name, "Key": {"pk": {"S": "acct-a"}},
                        "UpdateExpression": "SET bal = bal - :x",
                        "ConditionExpression": "bal >= :x",
                        "ExpressionAttributeValues": {":x": {"N": str(amount)}}}},
            {"Update": {"TableName": table_name, "Key": {"pk": {"S": "acct-b"}},
                        "UpdateExpression": "SET bal = bal + :x",
                        "ExpressionAttributeValues": {":x": {"N": str(amount)}}}},
            {"ConditionCheck": {"TableName": table_name, "Key": {"pk": {"S": "bank"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ], **kwargs)

    transfer(30, token="tok-1")
    transfer(30, token="tok-1")  # the same request again: answered, not run twice
    with pytest.raises(ClientError) as info:
        transfer(31, token="tok-1")
    assert info.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    with pytest.raises(ClientError) as info:
        transfer(1000)
    error = info.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert error["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[ConditionalCheckFailed, None, None]")
    assert [r["Code"] for r in error["CancellationReasons"]] == [
        "ConditionalCheckFailed", "None", "None"]
    got = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": table_name, "Key": {"pk": {"S": "acct-a"}}}},
        {"Get": {"TableName": table_name, "Key": {"pk": {"S": "acct-b"}}}},
        {"Get": {"TableName": table_name, "Key": {"pk": {"S": "nobody"}}}}])["Responses"]
    assert got[0]["Item"]["bal"] == {"N": "70"}
    assert got[1]["Item"]["bal"] == {"N": "30"}
    assert got[2] == {}
    code, message = error_of(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": table_name, "Item": {"pk": {"S": "x"}}}},
        {"Delete": {"TableName": table_name, "Key": {"pk": {"S": "x"}}}}])
    assert (code, message) == ("ValidationException", "Transaction request cannot include "
                               "multiple operations on one item")


def test_time_to_live(fresh_server, table_name):
    fresh_server.extra_args = ["--ttl-interval-ms", "100"]
    fresh_server.start()
    ddb = fresh_server.client("dynamodb")
    create(ddb, table_name)
    assert ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    spec = {"Enabled": True, "AttributeName": "expires_at"}
    assert ddb.update_time_to_live(TableName=table_name, TimeToLiveSpecification=spec)[
        "TimeToLiveSpecification"] == spec
    code, message = error_of(ddb.update_time_to_live, TableName=table_name,
                             TimeToLiveSpecification=spec)
    assert (code, message) == ("ValidationException", "TimeToLive is already enabled")
    assert ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    now = int(time.time())
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "old"},
                                             "expires_at": {"N": str(now - 60)}})
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "new"},
                                             "expires_at": {"N": str(now + 3600)}})
    deadline = time.time() + 10
    while time.time() < deadline and "Item" in ddb.get_item(TableName=table_name,
                                                            Key={"pk": {"S": "old"}}):
        time.sleep(0.1)
    assert "Item" not in ddb.get_item(TableName=table_name, Key={"pk": {"S": "old"}})
    assert "Item" in ddb.get_item(TableName=table_name, Key={"pk": {"S": "new"}})
    ddb.update_time_to_live(TableName=table_name,
                            TimeToLiveSpecification=dict(spec, Enabled=False))
    assert ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"][
        "TimeToLiveStatus"] == "DISABLED"


def test_legacy_parameters_as_the_kcl_lease_code_uses_them(ddb, table_name):
    """KCL's lease manager writes leases with Expected and AttributeUpdates."""
    create(ddb, table_name)
    lease = {"pk": {"S": "shardId-000000000000"}, "leaseCounter": {"N": "0"},
             "checkpoint": {"S": "TRIM_HORIZON"}}
    ddb.put_item(TableName=table_name, Item=lease, Expected={"pk": {"Exists": False}})
    code, _ = error_of(ddb.put_item, TableName=table_name, Item=lease,
                       Expected={"pk": {"Exists": False}})
    assert code == "ConditionalCheckFailedException"
    key = {"pk": {"S": "shardId-000000000000"}}
    # Take the lease: only if nobody renewed it since we read counter 0.
    out = ddb.update_item(
        TableName=table_name, Key=key,
        Expected={"leaseCounter": {"Value": {"N": "0"}, "Exists": True}},
        AttributeUpdates={"leaseCounter": {"Action": "ADD", "Value": {"N": "1"}},
                          "leaseOwner": {"Action": "PUT", "Value": {"S": "worker-1"}},
                          "checkpoint": {"Action": "DELETE"}},
        ReturnValues="ALL_NEW")["Attributes"]
    assert out["leaseCounter"] == {"N": "1"} and out["leaseOwner"] == {"S": "worker-1"}
    assert "checkpoint" not in out
    code, _ = error_of(ddb.update_item, TableName=table_name, Key=key,
                       Expected={"leaseCounter": {"Value": {"N": "0"}}},
                       AttributeUpdates={"leaseOwner": {"Action": "PUT",
                                                        "Value": {"S": "worker-2"}}})
    assert code == "ConditionalCheckFailedException"
    got = ddb.get_item(TableName=table_name, Key=key, AttributesToGet=["leaseOwner"])["Item"]
    assert got == {"leaseOwner": {"S": "worker-1"}}
    ddb.delete_item(TableName=table_name, Key=key,
                    Expected={"leaseOwner": {"ComparisonOperator": "EQ",
                                             "AttributeValueList": [{"S": "worker-1"}]}})
    assert "Item" not in ddb.get_item(TableName=table_name, Key=key)
    code, message = error_of(ddb.put_item, TableName=table_name, Item=lease,
                             Expected={"pk": {"Exists": False}},
                             ConditionExpression="attribute_not_exists(pk)")
    assert code == "ValidationException"
    assert message.startswith("Can not use both expression and non-expression parameters")


def test_legacy_query_and_scan_filters(ddb, table_name):
    fill_orders(ddb, table_name)
    got = ddb.query(TableName=table_name,
                    KeyConditions={"pk": {"ComparisonOperator": "EQ",
                                          "AttributeValueList": [{"S": "alice"}]},
                                   "sk": {"ComparisonOperator": "BETWEEN",
                                          "AttributeValueList": [{"N": "0"}, {"N": "10"}]}},
                    QueryFilter={"status": {"ComparisonOperator": "EQ",
                                            "AttributeValueList": [{"S": "open"}]}},
                    AttributesToGet=["sk"])
    assert got["Items"] == [{"sk": {"N": "2"}}]
    assert got["ScannedCount"] == 4
    got = ddb.scan(TableName=table_name, ConditionalOperator="OR",
                   ScanFilter={"sk": {"ComparisonOperator": "LT",
                                      "AttributeValueList": [{"N": "0"}]},
                               "status": {"ComparisonOperator": "EQ",
                                          "AttributeValueList": [{"S": "open"}]}})
    assert got["Count"] == 2 * (1 + 2)
