package eddy.compat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.time.Instant;
import java.util.Date;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.common.StreamConfig;
import software.amazon.kinesis.common.StreamIdentifier;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.coordinator.streamInfo.StreamIdOnboardingState;
import software.amazon.kinesis.coordinator.streamInfo.StreamInfoMode;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.FormerStreamsLeasesDeletionStrategy;
import software.amazon.kinesis.processor.MultiStreamTracker;
import software.amazon.kinesis.processor.RecordProcessorCheckpointer;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.SingleStreamTracker;
import software.amazon.kinesis.processor.StreamTracker;
import software.amazon.kinesis.retrieval.KinesisClientRecord;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

/**
 * A stock KCL 3 application consuming an eddy Kinesis stream, its leases in eddy's DynamoDB.
 *
 * <pre>
 *   java -cp target/classes:$(cat target/classpath.txt) eddy.compat.KclConsumer
 *       --endpoint http://127.0.0.1:PORT --stream STREAM --app APPLICATION
 *       [--position TRIM_HORIZON | LATEST | AT_TIMESTAMP:EPOCH_MILLIS]
 *       [--failover-ms 10000] [--idle-ms 200] [--parent-poll-ms 1000] [--scan-segments 0]
 *       [--stream-info DISABLED | TRACK_ONLY | ONBOARDED]
 * </pre>
 *
 * STREAM is a stream name, a stream ARN (KCL then sends StreamARN with every Kinesis call), or
 * several "ACCOUNT:NAME:CREATION_EPOCH_SECONDS" joined by commas: KCL's multi-stream mode, whose
 * lease keys carry the stream.
 *
 * Workers start and stop as standard input says (Driver). Every record a worker processes is an
 * event {"event":"records","worker","shard","seqs":[...],"data":[...]} on standard output; the
 * processor checkpoints after each batch, at shard end and when asked to shut down.
 */
public final class KclConsumer {
  public static void main(String[] argv) throws Exception {
    Clients.disableCbor();
    Args args = new Args(argv);
    URI endpoint = URI.create(args.get("endpoint"));
    String stream = args.get("stream");
    InitialPositionInStreamExtended position = position(args.get("position", "TRIM_HORIZON"));
    String app = args.get("app");
    long failoverMillis = args.getLong("failover-ms", 10_000);
    long idleMillis = args.getLong("idle-ms", 200);
    long parentPollMillis = args.getLong("parent-poll-ms", 1000);
    int scanSegments = (int) args.getLong("scan-segments", 0);
    String streamInfo = args.get("stream-info", "DISABLED");

    Driver.run(workerId -> {
      // Each worker has clients of its own, as separate processes would.
      KinesisAsyncClient kinesis = KinesisAsyncClient.builder()
          .endpointOverride(endpoint)
          .region(Clients.REGION)
          .credentialsProvider(Clients.credentials())
          .httpClientBuilder(Clients.http())
          .build();
      ConfigsBuilder configs = new ConfigsBuilder(tracker(stream, position), app, kinesis,
          Clients.dynamoDb(endpoint), Clients.cloudWatch(endpoint), workerId,
          () -> new Processor(workerId));
      LeaseManagementConfig leases = configs.leaseManagementConfig();
      if (scanSegments > 0) {
        // KCL otherwise picks 1 segment per 0.2 GB of lease table: more exercises parallel Scan.
        leases.leaseTableScanTotalSegments(scanSegments);
      }
      return new Scheduler(
          configs.checkpointConfig(),
          // A child shard's consumer waits for its parent's SHARD_END checkpoint, polling every
          // 10 s by default: too slow for a test that reshards.
          configs.coordinatorConfig().parentShardPollIntervalMillis(parentPollMillis),
          leases
              .failoverTimeMillis(failoverMillis)
              .shardSyncIntervalMillis(10_000)
              // KCL 3.4+: TRACK_ONLY keeps each stream's StreamId (from DescribeStreamSummary) in
              // the lease table and sends it with every Kinesis call; ONBOARDED requires it.
              .streamInfoMode(streamInfo.equals("DISABLED")
                  ? StreamInfoMode.DISABLED : StreamInfoMode.TRACK_ONLY)
              .streamIdOnboardingState(streamInfo.equals("ONBOARDED")
                  ? StreamIdOnboardingState.ONBOARDED : StreamIdOnboardingState.NOT_ONBOARDED),
          configs.lifecycleConfig(),
          configs.metricsConfig().metricsFactory(new NullMetricsFactory()),
          configs.processorConfig(),
          configs.retrievalConfig().retrievalSpecificConfig(
              new PollingConfig(kinesis).idleTimeBetweenReadsInMillis(idleMillis)));
    });
  }

  static InitialPositionInStreamExtended position(String spec) {
    if (spec.startsWith("AT_TIMESTAMP:")) {
      return InitialPositionInStreamExtended.newInitialPositionAtTimestamp(
          Date.from(Instant.ofEpochMilli(Long.parseLong(spec.substring("AT_TIMESTAMP:".length())))));
    }
    return InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.valueOf(spec));
  }

  static StreamTracker tracker(String stream, InitialPositionInStreamExtended position) {
    if (stream.startsWith("arn:")) {
      return new SingleStreamTracker(StreamIdentifier.singleStreamInstance(Arn.fromString(stream)),
          position);
    }
    if (!stream.contains(":")) {
      return new SingleStreamTracker(stream, position);
    }
    List<StreamConfig> configs = new ArrayList<>();
    for (String s : stream.split(",")) {
      configs.add(new StreamConfig(StreamIdentifier.multiStreamInstance(s), position));
    }
    return new MultiStreamTracker() {
      @Override
      public List<StreamConfig> streamConfigList() {
        return configs;
      }

      @Override
      public FormerStreamsLeasesDeletionStrategy formerStreamsLeasesDeletionStrategy() {
        return new FormerStreamsLeasesDeletionStrategy.NoLeaseDeletionStrategy();
      }
    };
  }

  /** Reports what KCL hands it and checkpoints after every batch. */
  static final class Processor implements ShardRecordProcessor {
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
    public void processRecords(ProcessRecordsInput input) {
      List<String> seqs = new ArrayList<>();
      List<String> data = new ArrayList<>();
      for (KinesisClientRecord r : input.records()) {
        seqs.add(r.sequenceNumber());
        byte[] bytes = new byte[r.data().remaining()];
        r.data().duplicate().get(bytes);
        data.add(new String(bytes, StandardCharsets.UTF_8));
      }
      if (!seqs.isEmpty()) {
        Events.emit("records", "worker", worker, "shard", shardId, "seqs", seqs, "data", data,
            "millis_behind", input.millisBehindLatest());
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
  }
}
