#include "eddy/consumer/multilang/properties.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "support/scoped_temp_dir.h"

namespace eddy::consumer::multilang {
namespace {

std::vector<std::pair<std::string, std::string>> Pairs(std::string_view text) {
  Result<std::vector<Property>> parsed = ParseJavaProperties(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  std::vector<std::pair<std::string, std::string>> pairs;
  if (parsed.ok()) {
    for (const Property& p : *parsed) pairs.emplace_back(p.key, p.value);
  }
  return pairs;
}

using KV = std::vector<std::pair<std::string, std::string>>;

// ---- java.util.Properties syntax ----

TEST(JavaPropertiesTest, ReadsTheThreeSeparators) {
  EXPECT_EQ(Pairs("a=1\nb = 2\nc:3\nd : 4\ne 5\nf\t\t6\n  g  =  7"),
            (KV{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}, {"f", "6"}, {"g", "7"}}));
  // Only the first separator counts; the rest belongs to the value.
  EXPECT_EQ(Pairs("url = http://localhost:4567\nx = a=b"),
            (KV{{"url", "http://localhost:4567"}, {"x", "a=b"}}));
  // A key alone has an empty value; so has "key =".
  EXPECT_EQ(Pairs("alone\nempty =\n"), (KV{{"alone", ""}, {"empty", ""}}));
}

TEST(JavaPropertiesTest, SkipsCommentsAndBlankLines) {
  EXPECT_EQ(Pairs("# comment\n! also a comment\n\n   \n  # indented comment\na=1 # not a comment"),
            (KV{{"a", "1 # not a comment"}}));
}

TEST(JavaPropertiesTest, JoinsContinuationLines) {
  EXPECT_EQ(Pairs("executableName = python3 \\\n    app.py \\\n    --verbose\nnext = 1"),
            (KV{{"executableName", "python3 app.py --verbose"}, {"next", "1"}}));
  // An even number of backslashes is an escaped backslash, not a continuation.
  EXPECT_EQ(Pairs("path = C:\\\\\nnext = 1"), (KV{{"path", "C:\\"}, {"next", "1"}}));
  // '#' at the start of a continuation line is part of the value.
  EXPECT_EQ(Pairs("a = x\\\n  #y"), (KV{{"a", "x#y"}}));
  // A continuation at the end of the file.
  EXPECT_EQ(Pairs("a = x\\"), (KV{{"a", "x"}}));
  // A comment line does not continue.
  EXPECT_EQ(Pairs("# comment \\\na = 1"), (KV{{"a", "1"}}));
}

TEST(JavaPropertiesTest, ResolvesEscapes) {
  EXPECT_EQ(Pairs(R"(tab = a\tb)"), (KV{{"tab", "a\tb"}}));
  EXPECT_EQ(Pairs(R"(nl = a\nb\rc\fd)"), (KV{{"nl", "a\nb\rc\fd"}}));
  EXPECT_EQ(Pairs(R"(u = \u0041\u00e9\u20ac)"), (KV{{"u", "A\xc3\xa9\xe2\x82\xac"}}));
  EXPECT_EQ(Pairs(R"(pair = \ud83d\ude00)"), (KV{{"pair", "\xf0\x9f\x98\x80"}}));
  EXPECT_EQ(Pairs(R"(other = \q\\)"), (KV{{"other", "q\\"}}));
  // Escaped separators belong to the key.
  EXPECT_EQ(Pairs(R"(a\=b\:c\ d = v)"), (KV{{"a=b:c d", "v"}}));
  // A value's leading blanks go; its trailing blanks stay; an escaped leading blank stays.
  EXPECT_EQ(Pairs("k =   v  \nl = \\  w"), (KV{{"k", "v  "}, {"l", "  w"}}));
}

TEST(JavaPropertiesTest, HandlesEveryLineEnding) {
  EXPECT_EQ(Pairs("a=1\r\nb=2\rc=3\n"), (KV{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(Pairs("a=x\\\r\n  y"), (KV{{"a", "xy"}}));
}

TEST(JavaPropertiesTest, KeepsRepeatedKeysAndLineNumbers) {
  Result<std::vector<Property>> parsed = ParseJavaProperties("# c\na=1\n\nb=\\\n2\na=3\n");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].line, 2);
  EXPECT_EQ((*parsed)[1].line, 4);
  EXPECT_EQ((*parsed)[2].line, 6);
  EXPECT_EQ((*parsed)[2].value, "3");
}

TEST(JavaPropertiesTest, RefusesAMalformedUnicodeEscapeNamingTheLine) {
  Result<std::vector<Property>> parsed = ParseJavaProperties("a=1\nb=\\u12g4\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseJavaProperties("a=\\u12").ok());
}

// ---- KCL's keys ----

constexpr char kMinimal[] =
    "executableName = python3 app.py\n"
    "streamName = orders\n"
    "applicationName = orders-app\n";

Result<LoadedMultiLangConfig> Load(const std::string& text) {
  return ParseMultiLangProperties(text);
}

LoadedMultiLangConfig LoadOrDie(const std::string& text) {
  Result<LoadedMultiLangConfig> loaded = Load(text);
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  return loaded.ok() ? *loaded : LoadedMultiLangConfig{};
}

void ExpectError(const std::string& text, std::initializer_list<std::string_view> parts) {
  Result<LoadedMultiLangConfig> loaded = Load(text);
  ASSERT_FALSE(loaded.ok()) << text;
  EXPECT_EQ(loaded.status().code(), Status::Code::kInvalidArgument);
  for (std::string_view part : parts) {
    EXPECT_NE(loaded.status().message().find(part), std::string::npos)
        << "'" << part << "' not in: " << loaded.status().message();
  }
}

TEST(MultiLangConfigTest, MapsEveryHonouredKey) {
  const LoadedMultiLangConfig loaded = LoadOrDie(
      "executableName = node  sample_kcl_app.js\n"
      "streamName = ignored-because-of-the-arn\n"
      "streamArn = arn:aws:kinesis:us-east-1:000000000000:stream/orders\n"
      "applicationName = orders-app\n"
      "tableName = orders-leases\n"
      "workerId = worker-7\n"
      "processingLanguage = nodejs/20\n"
      "initialPositionInStream = trim_horizon\n"
      "regionName = eu-west-1\n"
      "kinesisEndpoint = http://127.0.0.1:4567\n"
      "dynamoDBEndpoint = https://localhost:4568/\n"
      "AWSCredentialsProvider = DefaultCredentialsProvider\n"
      "maxRecords = 500\n"
      "idleTimeBetweenReadsInMillis = 250\n"
      "callProcessRecordsEvenForEmptyRecordList = true\n"
      "failoverTimeMillis = 20000\n"
      "shardSyncIntervalMillis = 30000\n"
      "maxLeasesForWorker = 8\n"
      "maxLeasesToStealAtOneTime = 2\n"
      "cleanupLeasesUponShardCompletion = false\n"
      "parentShardPollIntervalMillis = 5000\n"
      "taskBackoffTimeMillis = 750\n"
      "shutdownGraceMillis = 12000\n"
      "timeoutInSeconds = 45\n"
      "retrievalMode = POLLING\n");
  const MultiLangConfig& c = loaded.config;
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(c.executable_name, "node  sample_kcl_app.js");
  EXPECT_EQ(c.timeout_seconds, 45);
  EXPECT_EQ(c.processing_language, "nodejs/20");
  const WorkerOptions& w = c.worker;
  EXPECT_EQ(w.stream, "arn:aws:kinesis:us-east-1:000000000000:stream/orders");
  EXPECT_EQ(w.source_kind, SourceKind::kKinesis);
  EXPECT_EQ(w.application_name, "orders-app");
  EXPECT_EQ(w.lease_table_name, "orders-leases");
  EXPECT_EQ(w.worker_id, "worker-7");
  EXPECT_EQ(w.initial_position, InitialPosition::kTrimHorizon);
  EXPECT_EQ(w.kinesis.region, "eu-west-1");
  EXPECT_EQ(w.dynamodb.region, "eu-west-1");
  EXPECT_EQ(w.kinesis.endpoint, "http://127.0.0.1:4567");
  EXPECT_EQ(w.dynamodb.endpoint, "https://localhost:4568/");
  EXPECT_EQ(w.kinesis.profile, "");
  EXPECT_FALSE(w.kinesis.credentials.has_value());
  EXPECT_EQ(w.max_records, 500);
  EXPECT_EQ(w.idle_time_between_reads_ms, 250);
  EXPECT_TRUE(w.call_process_records_even_for_empty_list);
  EXPECT_EQ(w.failover_time_ms, 20000);
  EXPECT_EQ(w.shard_sync_interval_ms, 30000);
  EXPECT_EQ(w.max_leases_for_worker, 8);
  EXPECT_EQ(w.max_leases_to_steal_at_one_time, 2);
  EXPECT_FALSE(w.cleanup_leases_upon_shard_completion);
  EXPECT_EQ(w.parent_shard_poll_interval_ms, 5000);
  EXPECT_EQ(w.task_backoff_time_ms, 750);
  EXPECT_EQ(w.shutdown_grace_ms, 12000);
}

TEST(MultiLangConfigTest, KeepsWorkerDefaultsForKeysNotGiven) {
  const LoadedMultiLangConfig loaded = LoadOrDie(kMinimal);
  const WorkerOptions defaults;
  const WorkerOptions& w = loaded.config.worker;
  EXPECT_EQ(w.stream, "orders");
  EXPECT_EQ(w.initial_position, defaults.initial_position);
  EXPECT_EQ(w.max_records, defaults.max_records);
  EXPECT_EQ(w.failover_time_ms, defaults.failover_time_ms);
  EXPECT_EQ(loaded.config.timeout_seconds, 0);
  EXPECT_EQ(w.kinesis.endpoint, "");
}

TEST(MultiLangConfigTest, ReadsTheNestedSpellings) {
  const LoadedMultiLangConfig loaded = LoadOrDie(std::string(kMinimal) +
                                                 "kinesisClient.endpointOverride = http://k:1\n"
                                                 "kinesisClient.region = us-west-2\n"
                                                 "dynamoDbClient.endpointOverride = http://d:2\n"
                                                 "dynamoDbClient.region = us-east-2\n"
                                                 "dynamoDBRegionName = eu-central-1\n"
                                                 "pollingConfig.maxRecords = 100\n"
                                                 "pollingConfig.idleTimeBetweenReadsInMillis = 300\n");
  const WorkerOptions& w = loaded.config.worker;
  EXPECT_EQ(w.kinesis.endpoint, "http://k:1");
  EXPECT_EQ(w.kinesis.region, "us-west-2");
  EXPECT_EQ(w.dynamodb.endpoint, "http://d:2");
  EXPECT_EQ(w.dynamodb.region, "eu-central-1");  // the later key
  EXPECT_EQ(w.max_records, 100);
  EXPECT_EQ(w.idle_time_between_reads_ms, 300);
}

TEST(MultiLangConfigTest, ReadsTimestampPositions) {
  LoadedMultiLangConfig loaded =
      LoadOrDie(std::string(kMinimal) + "initialPositionInStreamExtended = 1636609142\n");
  EXPECT_EQ(loaded.config.worker.initial_position, InitialPosition::kAtTimestamp);
  EXPECT_EQ(loaded.config.worker.initial_timestamp_ms, 1636609142000);
  loaded = LoadOrDie(std::string(kMinimal) +
                     "initialPositionInStream = AT_TIMESTAMP\n"
                     "initialPositionInStreamExtended = 1636609142\n");
  EXPECT_EQ(loaded.config.worker.initial_position, InitialPosition::kAtTimestamp);
  ExpectError(std::string(kMinimal) + "initialPositionInStream = AT_TIMESTAMP\n",
              {"AT_TIMESTAMP needs initialPositionInStreamExtended"});
  ExpectError(std::string(kMinimal) +
                  "initialPositionInStream = LATEST\ninitialPositionInStreamExtended = 5\n",
              {"disagree"});
  EXPECT_EQ(LoadOrDie(std::string(kMinimal) + "initialPositionInStream = Latest\n")
                .config.worker.initial_position,
            InitialPosition::kLatest);
}

TEST(MultiLangConfigTest, ReadsDynamoDbStreamArns) {
  const LoadedMultiLangConfig loaded = LoadOrDie(
      "executableName = x\napplicationName = app\n"
      "streamArn = arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/2024-01-01T00:00:00.000\n");
  EXPECT_EQ(loaded.config.worker.source_kind, SourceKind::kDynamoDbStream);
  EXPECT_EQ(loaded.config.worker.stream,
            "arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/2024-01-01T00:00:00.000");
}

TEST(MultiLangConfigTest, ReadsCredentialsProviders) {
  for (const char* value :
       {"DefaultCredentialsProvider", "DefaultAWSCredentialsProviderChain",
        "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
        "com.amazonaws.auth.DefaultAWSCredentialsProviderChain",
        "EnvironmentVariableCredentialsProvider, DefaultCredentialsProvider"}) {
    const LoadedMultiLangConfig loaded =
        LoadOrDie(std::string(kMinimal) + "AWSCredentialsProvider = " + value + "\n");
    EXPECT_EQ(loaded.config.worker.kinesis.profile, "") << value;
    EXPECT_FALSE(loaded.config.worker.kinesis.credentials.has_value()) << value;
  }
  // The key in any case, as KCL's configurator reads it.
  LoadedMultiLangConfig loaded =
      LoadOrDie(std::string(kMinimal) + "AwsCredentialsProvider = ProfileCredentialsProvider|dev\n");
  EXPECT_EQ(loaded.config.worker.kinesis.profile, "dev");
  EXPECT_EQ(loaded.config.worker.dynamodb.profile, "dev");  // DynamoDB follows Kinesis
  loaded = LoadOrDie(std::string(kMinimal) +
                     "awscredentialsprovider = KclStaticCredentialsProvider|AKID|SECRET\n"
                     "AWSCredentialsProviderDynamoDB = ProfileCredentialsProvider|tables\n");
  ASSERT_TRUE(loaded.config.worker.kinesis.credentials.has_value());
  EXPECT_EQ(loaded.config.worker.kinesis.credentials->access_key_id, "AKID");
  EXPECT_EQ(loaded.config.worker.kinesis.credentials->secret_access_key, "SECRET");
  EXPECT_FALSE(loaded.config.worker.dynamodb.credentials.has_value());
  EXPECT_EQ(loaded.config.worker.dynamodb.profile, "tables");

  ExpectError(std::string(kMinimal) + "AWSCredentialsProvider = StsAssumeRoleCredentialsProvider|arn:x|s\n",
              {"AWSCredentialsProvider", "line 4", "STS"});
  ExpectError(std::string(kMinimal) + "AWSCredentialsProvider = InstanceProfileCredentialsProvider\n",
              {"instance or container metadata"});
  ExpectError(std::string(kMinimal) + "AWSCredentialsProvider = com.example.MyProvider\n",
              {"com.example.MyProvider", "cannot load"});
  ExpectError(std::string(kMinimal) + "AWSCredentialsProvider = KclStaticCredentialsProvider|only\n",
              {"access key id"});
  ExpectError(std::string(kMinimal) + "AWSCredentialsProviderKinesis = DefaultCredentialsProvider\n",
              {"unknown key"});
}

TEST(MultiLangConfigTest, ReportsIgnoredKeysWithTheirReason) {
  const LoadedMultiLangConfig loaded = LoadOrDie(std::string(kMinimal) +
                                                 "metricsLevel = NONE\n"
                                                 "maxActiveThreads = 4\n"
                                                 "validateSequenceNumberBeforeCheckpointing = true\n"
                                                 "AWSCredentialsProviderCloudWatch = x\n"
                                                 "clientVersionConfig = CLIENT_VERSION_CONFIG_3X\n"
                                                 "fanoutConfig.consumerName = c\n"
                                                 "retrievalMode = FANOUT\n");
  ASSERT_EQ(loaded.warnings.size(), 7u);
  EXPECT_EQ(loaded.warnings[0].key, "metricsLevel");
  EXPECT_NE(loaded.warnings[0].reason.find("CloudWatch"), std::string::npos);
  EXPECT_EQ(loaded.warnings[1].key, "maxActiveThreads");
  EXPECT_EQ(loaded.warnings[3].key, "AWSCredentialsProviderCloudWatch");
  EXPECT_NE(loaded.warnings[4].reason.find("KCL 3.x"), std::string::npos);
  EXPECT_NE(loaded.warnings[5].reason.find("fan-out"), std::string::npos);
  EXPECT_EQ(loaded.warnings[6].key, "retrievalMode");
  for (const ConfigWarning& w : loaded.warnings) EXPECT_FALSE(w.reason.empty()) << w.key;
}

TEST(MultiLangConfigTest, WarnsAboutARepeatedKey) {
  const LoadedMultiLangConfig loaded = LoadOrDie(std::string(kMinimal) + "maxRecords = 5\nmaxRecords = 6\n");
  EXPECT_EQ(loaded.config.worker.max_records, 6);
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_EQ(loaded.warnings[0].key, "maxRecords");
}

TEST(MultiLangConfigTest, RefusesAnUnknownKeyNamingIt) {
  ExpectError(std::string(kMinimal) + "maxRecord = 5\n", {"maxRecord", "line 4", "unknown key"});
  ExpectError(std::string(kMinimal) + "MaxRecords = 5\n", {"MaxRecords", "unknown key"});
  ExpectError(std::string(kMinimal) + "somethingElse.x = 5\n", {"somethingElse.x"});
}

TEST(MultiLangConfigTest, RefusesInvalidValuesNamingKeyAndReason) {
  const struct {
    const char* line;
    const char* why;
  } cases[] = {
      {"maxRecords = abc", "not a whole number"},
      {"maxRecords = 10001", "between 1 and 10000"},
      {"maxRecords = 0", "between 1 and 10000"},
      {"maxRecords = 99999999999999999999999", "out of range"},
      {"failoverTimeMillis = -1", "out of range"},
      {"idleTimeBetweenReadsInMillis = 1.5", "not a whole number"},
      {"maxLeasesForWorker = 0", "out of range"},
      {"timeoutInSeconds = -5", "out of range"},
      {"cleanupLeasesUponShardCompletion = maybe", "not a boolean"},
      {"initialPositionInStream = EARLIEST", "TRIM_HORIZON, LATEST, AT_TIMESTAMP"},
      {"initialPositionInStreamExtended = yesterday", "seconds since the epoch"},
      {"retrievalMode = PUSH", "FANOUT, POLLING, DEFAULT"},
      {"kinesisEndpoint = localhost:4567", "http:// or https://"},
      {"dynamoDBEndpoint = http://", "without a host"},
      {"regionName = us east 1", "region"},
      {"streamArn = orders", "not an ARN"},
      {"streamArn = arn:aws:sqs:us-east-1:0:queue", "Kinesis stream"},
      {"tableName = a", "table name"},
  };
  for (const auto& c : cases) {
    const std::string key(c.line, std::string_view(c.line).find(' '));
    ExpectError(std::string(kMinimal) + c.line + "\n", {key, "line 4", c.why});
  }
}

TEST(MultiLangConfigTest, RequiresTheEssentialKeys) {
  ExpectError("streamName = s\napplicationName = app\n", {"executableName is required"});
  ExpectError("executableName = x\nstreamName = s\n", {"applicationName is required"});
  ExpectError("executableName = x\napplicationName = app\n", {"streamName or streamArn"});
  ExpectError("executableName = x\nstreamName = s\napplicationName = my app\n",
              {"lease table", "tableName"});
  // An empty value leaves the default, and a required key empty is missing.
  ExpectError("executableName =\nstreamName = s\napplicationName = app\n",
              {"executableName is required"});
}

// The settings of amazon_kclpy 3.2.0's samples/sample.properties, with the keys its comments
// offer set as they describe (the comments themselves left out).
TEST(MultiLangConfigTest, ReadsAmazonKclpysSampleSettings) {
  const LoadedMultiLangConfig sample = LoadOrDie(
      "executableName = sample_kclpy_app.py\n"
      "streamArn = arn:aws:kinesis:us-east-5:000000000000:stream/kclpysample\n"
      "streamName = kclpysample\n"
      "applicationName = PythonKCLSample\n"
      "AwsCredentialsProvider = DefaultCredentialsProvider\n"
      "processingLanguage = python/3.8\n"
      "initialPositionInStream = TRIM_HORIZON\n"
      "regionName = us-east-1\n");
  EXPECT_TRUE(sample.warnings.empty());
  EXPECT_EQ(sample.config.executable_name, "sample_kclpy_app.py");
  EXPECT_EQ(sample.config.worker.stream,
            "arn:aws:kinesis:us-east-5:000000000000:stream/kclpysample");
  EXPECT_EQ(sample.config.worker.application_name, "PythonKCLSample");
  EXPECT_EQ(sample.config.worker.initial_position, InitialPosition::kTrimHorizon);

  const LoadedMultiLangConfig everything = LoadOrDie(
      "executableName = sample_kclpy_app.py\n"
      "streamName = kclpysample\n"
      "applicationName = PythonKCLSample\n"
      "AwsCredentialsProvider = DefaultCredentialsProvider\n"
      "initialPositionInStreamExtended = 1636609142\n"
      "failoverTimeMillis = 10000\n"
      "workerId =\n"
      "shardSyncIntervalMillis = 60000\n"
      "maxRecords = 10000\n"
      "idleTimeBetweenReadsInMillis = 1000\n"
      "callProcessRecordsEvenForEmptyRecordList = false\n"
      "parentShardPollIntervalMillis = 10000\n"
      "cleanupLeasesUponShardCompletion = true\n"
      "taskBackoffTimeMillis = 500\n"
      "metricsBufferTimeMillis = 10000\n"
      "metricsMaxQueueSize = 10000\n"
      "validateSequenceNumberBeforeCheckpointing = true\n"
      "maxActiveThreads = 0\n"
      "clientVersionConfig =\ncoordinatorStateTableName =\ncoordinatorStateBillingMode =\n"
      "coordinatorStateReadCapacity =\ncoordinatorStateWriteCapacity =\n"
      "coordinatorStatePointInTimeRecoveryEnabled =\ncoordinatorStateDeletionProtectionEnabled =\n"
      "coordinatorStateTags =\ngracefulLeaseHandoffTimeoutMillis =\n"
      "isGracefulLeaseHandoffEnabled =\nworkerMetricsTableName =\nworkerMetricsBillingMode =\n"
      "workerMetricsReadCapacity =\nworkerMetricsWriteCapacity =\n"
      "workerMetricsPointInTimeRecoveryEnabled =\nworkerMetricsDeletionProtectionEnabled =\n"
      "workerMetricsTags =\ninMemoryWorkerMetricsCaptureFrequencyMillis =\n"
      "workerMetricsReporterFreqInMillis =\nnoOfPersistedMetricsPerWorkerMetrics =\n"
      "disableWorkerMetrics =\nmaxThroughputPerHostKBps =\ndampeningPercentage =\n"
      "reBalanceThresholdPercentage =\nallowThroughputOvershoot =\nvarianceBalancingFrequency =\n"
      "workerMetricsEMAAlpha =\nstaleWorkerMetricsEntryCleanupDuration =\n"
      "leaseAssignmentIntervalMillis = 20000\n"
      "metricsEnabledDimensions = Operation,ShardId\n");
  EXPECT_EQ(everything.config.worker.initial_position, InitialPosition::kAtTimestamp);
  EXPECT_EQ(everything.config.worker.worker_id, "");  // "workerId =" leaves it to the worker
  // The six ignored keys with a value; "key =" sets nothing.
  EXPECT_EQ(everything.warnings.size(), 6u);
}

// The real file, when a test setup (tests/compat/multilang/setup.sh) has fetched amazon_kclpy.
TEST(MultiLangConfigTest, LoadsAmazonKclpysSampleFile) {
  const char* path = std::getenv("EDDY_KCLPY_SAMPLE_PROPERTIES");
  if (path == nullptr || *path == '\0') {
    GTEST_SKIP() << "EDDY_KCLPY_SAMPLE_PROPERTIES is not set (tests/compat/multilang/setup.sh "
                    "prints it)";
  }
  Result<LoadedMultiLangConfig> loaded = LoadMultiLangProperties(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.executable_name, "sample_kclpy_app.py");
  EXPECT_EQ(loaded->config.worker.application_name, "PythonKCLSample");
  EXPECT_EQ(loaded->config.worker.initial_position, InitialPosition::kTrimHorizon);
  EXPECT_TRUE(loaded->warnings.empty());
}

TEST(MultiLangConfigTest, LoadsAFileAndNamesItInErrors) {
  testing::ScopedTempDir dir("eddy_multilang_props_");
  const std::string path = (dir.path() / "app.properties").string();
  std::ofstream(path) << kMinimal;
  Result<LoadedMultiLangConfig> loaded = LoadMultiLangProperties(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.worker.stream, "orders");

  std::ofstream(path) << kMinimal << "bogus = 1\n";
  loaded = LoadMultiLangProperties(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find(path), std::string::npos);
  EXPECT_NE(loaded.status().message().find("bogus"), std::string::npos);

  loaded = LoadMultiLangProperties((dir.path() / "missing.properties").string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(loaded.status().IsNotFound());
}

}  // namespace
}  // namespace eddy::consumer::multilang
