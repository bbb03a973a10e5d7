package eddy.compat;

import com.amazonaws.services.dynamodbv2.streamsadapter.AmazonDynamoDBStreamsAdapterClient;
import com.amazonaws.services.dynamodbv2.streamsadapter.StreamsSchedulerFactory;
import com.amazonaws.services.dynamodbv2.streamsadapter.adapter.DynamoDBStreamsClientRecord;
import com.amazonaws.services.dynamodbv2.streamsadapter.model.DynamoDBStreamsProcessRecordsInput;
import com.amazonaws.services.dynamodbv2.streamsadapter.polling.DynamoDBStreamsPollingConfig;
import com.amazonaws.services.dynamodbv2.streamsadapter.processor.DynamoDBStreamsShardRecordProcessor;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.RecordProcessorCheckpointer;

/**
 * The DynamoDB Streams Kinesis Adapter (KCL over DynamoDB Streams) consuming an eddy table's
 * stream, its leases in eddy's DynamoDB.
 *
 * <pre>
 *   java -cp target/classes:$(cat target/classpath.txt) eddy.compat.StreamsConsumer
 *       --endpoint http://127.0.0.1:PORT --stream-arn ARN --app APPLICATION
 *       [--failover-ms 10000] [--idle-ms 200] [--parent-poll-ms 1000]
 * </pre>
 *
 * Workers start and stop as standard input says (Driver). Each batch is an event
 * {"event":"records","worker","shard","records":[{"seq","name","keys","new","old"}]}; images are
 * flattened to {attribute: value}, a value being the string of an S or N attribute (other types
 * as the SDK prints them).
 */
public final class StreamsConsumer {
  public static void main(String[] argv) throws Exception {
    Clients.disableCbor();
    Args args = new Args(argv);
    URI endpoint = URI.create(args.get("endpoint"));
    String streamArn = args.get("stream-arn");
    String app = args.get("app");
    long failoverMillis = args.getLong("failover-ms", 10_000);
    long idleMillis = args.getLong("idle-ms", 200);
    long parentPollMillis = args.getLong("parent-poll-ms", 1000);

    Driver.run(workerId -> {
      DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder()
          .endpointOverride(endpoint)
          .region(Clients.REGION)
          .credentialsProvider(Clients.credentials())
          .httpClientBuilder(UrlConnectionHttpClient.builder())
          .build();
      AmazonDynamoDBStreamsAdapterClient adapter =
          new AmazonDynamoDBStreamsAdapterClient(streams, Clients.REGION);
      ConfigsBuilder configs = new ConfigsBuilder(
          StreamsSchedulerFactory.createSingleStreamTracker(streamArn,
              InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON)),
          app, adapter, Clients.dynamoDb(endpoint), Clients.cloudWatch(endpoint), workerId,
          () -> new Processor(workerId));
      DynamoDBStreamsPollingConfig polling = new DynamoDBStreamsPollingConfig(adapter);
      polling.idleTimeBetweenReadsInMillis(idleMillis);
      return StreamsSchedulerFactory.createScheduler(
          configs.checkpointConfig(),
          // A child shard's consumer waits for its parent's SHARD_END checkpoint, polling every
          // 10 s by default: too slow for a test that reshards.
          configs.coordinatorConfig().parentShardPollIntervalMillis(parentPollMillis),
          configs.leaseManagementConfig()
              .failoverTimeMillis(failoverMillis)
              .shardSyncIntervalMillis(10_000),
          configs.lifecycleConfig(),
          configs.metricsConfig().metricsFactory(new NullMetricsFactory()),
          configs.processorConfig(),
          configs.retrievalConfig().retrievalSpecificConfig(polling),
          adapter);
    });
  }

  /** Reports every change record and checkpoints after every batch. */
  static final class Processor implements DynamoDBStreamsShardRecordProcessor {
    private final String worker;
    private String shardId;

    Processor(String worker) {
      this.worker = worker;
    }

    @Override
    public void initialize(InitializationInput input) {
      shardId = input.shardId();
      Events.emit("initialize", "worker", worker, "shard", shardId,
          "from", String.valueOf(input.extendedSequenceNumber()));
    }

    @Override
    public void processRecords(DynamoDBStreamsProcessRecordsInput input) {
      List<Map<String, Object>> out = new ArrayList<>();
      for (DynamoDBStreamsClientRecord r : input.records()) {
        Record change = r.getRecord();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", change.dynamodb().sequenceNumber());
        m.put("name", change.eventNameAsString());
        m.put("view", change.dynamodb().streamViewTypeAsString());
        m.put("keys", flatten(change.dynamodb().keys()));
        m.put("new", change.dynamodb().hasNewImage() ? flatten(change.dynamodb().newImage()) : null);
        m.put("old", change.dynamodb().hasOldImage() ? flatten(change.dynamodb().oldImage()) : null);
        out.add(m);
      }
      if (!out.isEmpty()) {
        Events.emit("records", "worker", worker, "shard", shardId, "records", out);
        checkpoint(input.checkpointer(), "batch");
      }
    }

    @Override
    public void leaseLost(LeaseLostInput input) {
      Events.emit("lease_lost", "worker", worker, "shard", shardId);
    }

    @Override
    public void shardEnded(ShardEndedInput input) {
      checkpoint(input.checkpointer(), "shard_end");
      Events.emit("shard_ended", "worker", worker, "shard", shardId);
    }

    @Override
    public void shutdownRequested(ShutdownRequestedInput input) {
      checkpoint(input.checkpointer(), "shutdown");
      Events.emit("shutdown_requested", "worker", worker, "shard", shardId);
    }

    private void checkpoint(RecordProcessorCheckpointer checkpointer, String why) {
      try {
        checkpointer.checkpoint();
      } catch (Exception e) {
        Events.emit("checkpoint_failed", "worker", worker, "shard", shardId, "why", why,
            "error", e.toString());
      }
    }

    private static Map<String, Object> flatten(Map<String, AttributeValue> item) {
      Map<String, Object> m = new TreeMap<>();
      for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
        AttributeValue v = e.getValue();
        m.put(e.getKey(), v.s() != null ? v.s() : v.n() != null ? v.n() : v.toString());
      }
      return m;
    }
  }
}
