"""The aws CLI, and what survives a restart (SIGTERM and SIGKILL)."""
import base64
import signal


def test_aws_cli_first_session(server, stream_name):
    server.aws("kinesis", "create-stream", "--stream-name", stream_name, "--shard-count", "1")
    summary = server.aws("kinesis", "describe-stream-summary", "--stream-name", stream_name)
    assert summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"
    put = server.aws("kinesis", "put-record", "--stream-name", stream_name, "--partition-key",
                     "k", "--data", base64.b64encode(b"hello").decode())
    it = server.aws("kinesis", "get-shard-iterator", "--stream-name", stream_name, "--shard-id",
                    put["ShardId"], "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
    records = server.aws("kinesis", "get-records", "--shard-iterator", it)["Records"]
    assert base64.b64decode(records[0]["Data"]) == b"hello"
    assert records[0]["SequenceNumber"] == put["SequenceNumber"]
    assert stream_name in server.aws("kinesis", "list-streams")["StreamNames"]


def test_everything_survives_a_restart(fresh_server):
    for stop_signal in (signal.SIGTERM, signal.SIGKILL):
        fresh_server.start()
        kinesis = fresh_server.client()
        name = "restart-%d" % stop_signal
        kinesis.create_stream(StreamName=name, ShardCount=2)
        put = kinesis.put_records(StreamName=name, Records=[
            {"PartitionKey": "k%d" % i, "Data": b"v%d" % i} for i in range(50)])
        assert put["FailedRecordCount"] == 0
        it = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000001",
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        fresh_server.stop(stop_signal)

        fresh_server.start()
        kinesis = fresh_server.client()
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        assert summary["OpenShardCount"] == 2
        # An iterator issued before the restart still works.
        records = kinesis.get_records(ShardIterator=it)["Records"]
        expected = [r for r in put["Records"] if r["ShardId"] == "shardId-000000000001"]
        assert [r["SequenceNumber"] for r in records] == [r["SequenceNumber"] for r in expected]
        # Every acknowledged record is there with the sequence number it was given.
        total = 0
        for shard in kinesis.list_shards(StreamName=name)["Shards"]:
            sit = kinesis.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            total += len(kinesis.get_records(ShardIterator=sit)["Records"])
        assert total == 50
        # Appends continue after the restart with larger sequence numbers.
        again = kinesis.put_record(StreamName=name, PartitionKey="k", Data=b"x",
                                   ExplicitHashKey=str(2 ** 128 - 1))
        assert int(again["SequenceNumber"]) > int(expected[-1]["SequenceNumber"])
        fresh_server.stop()
