#include "eddy/consumer/multilang/properties.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <utility>

#include "eddy/auth/sigv4.h"

namespace eddy::consumer::multilang {
namespace {

// ---- java.util.Properties syntax ----

bool IsBlankChar(char c) { return c == ' ' || c == '\t' || c == '\f'; }

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<uint32_t> Hex4(std::string_view s, size_t at) {
  if (at + 4 > s.size()) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return v;
}

// Properties.loadConvert: resolves the escapes of a key or a value. False for a malformed \u.
bool Unescape(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      *out += s[i];
      continue;
    }
    const char c = s[++i];
    switch (c) {
      case 't':
        *out += '\t';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      case 'f':
        *out += '\f';
        break;
      case 'u': {
        std::optional<uint32_t> unit = Hex4(s, i + 1);
        if (!unit) return false;
        i += 4;
        uint32_t cp = *unit;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < s.size() && s[i + 1] == '\\' &&
            s[i + 2] == 'u') {
          std::optional<uint32_t> low = Hex4(s, i + 3);
          if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // a lone surrogate
        AppendUtf8(cp, out);
        break;
      }
      default:
        *out += c;
    }
  }
  return true;
}

// Splits a logical line into its raw key and value as Properties.load does.
void SplitKeyValue(std::string_view line, std::string_view* key, std::string_view* value) {
  size_t key_len = 0;
  size_t value_start = line.size();
  bool has_separator = false;
  bool preceding_backslash = false;
  while (key_len < line.size()) {
    const char c = line[key_len];
    if ((c == '=' || c == ':') && !preceding_backslash) {
      value_start = key_len + 1;
      has_separator = true;
      break;
    }
    if (IsBlankChar(c) && !preceding_backslash) {
      value_start = key_len + 1;
      break;
    }
    preceding_backslash = c == '\\' ? !preceding_backslash : false;
    ++key_len;
  }
  while (value_start < line.size()) {
    const char c = line[value_start];
    if (!IsBlankChar(c)) {
      if (!has_separator && (c == '=' || c == ':')) {
        has_separator = true;
      } else {
        break;
      }
    }
    ++value_start;
  }
  *key = line.substr(0, key_len);
  *value = line.substr(value_start);
}

// ---- KCL's keys ----

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// What a credentials provider setting asks for.
struct CredentialsChoice {
  std::string profile;                         // ProfileCredentialsProvider|<profile>
  std::optional<auth::Credentials> credentials;  // KclStaticCredentialsProvider|<id>|<secret>
};

// Everything read so far, and what is checked once every key is in.
struct Builder {
  MultiLangConfig config;
  std::vector<ConfigWarning> warnings;
  std::string stream_name;
  std::string stream_arn;
  std::optional<consumer::InitialPosition> position;
  std::optional<int64_t> timestamp_seconds;
  std::optional<CredentialsChoice> kinesis_credentials;
  std::optional<CredentialsChoice> dynamodb_credentials;
  std::string current_key;  // for warnings raised by a setter
};

// A setter reads one value (already trimmed, not empty) into the builder; it returns what is
// wrong with the value, or an empty string.
using Setter = std::string (*)(Builder&, std::string_view);

std::string ParseInt(std::string_view value, int64_t min, int64_t max, int64_t* out) {
  int64_t v = 0;
  const char* end = value.data() + value.size();
  if (!value.empty() && value.front() == '+') value.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (ec == std::errc::result_out_of_range) {
    return "out of range: it must be between " + std::to_string(min) + " and " +
           std::to_string(max);
  }
  if (ec != std::errc() || ptr != end) return "not a whole number";
  if (v < min || v > max) {
    return "out of range: it must be between " + std::to_string(min) + " and " +
           std::to_string(max);
  }
  *out = v;
  return {};
}

// Commons BeanUtils' BooleanConverter, which KCL's configurator uses, accepts these.
std::string ParseBool(std::string_view value, bool* out) {
  const std::string v = Lower(value);
  if (v == "true" || v == "yes" || v == "y" || v == "on" || v == "1") {
    *out = true;
  } else if (v == "false" || v == "no" || v == "n" || v == "off" || v == "0") {
    *out = false;
  } else {
    return "not a boolean (true or false)";
  }
  return {};
}

constexpr int64_t kMaxMillis = int64_t{7} * 24 * 3600 * 1000;  // a week
constexpr int64_t kMaxInt = std::numeric_limits<int>::max();

template <int64_t Min, int64_t Max, int64_t consumer::WorkerOptions::*Field>
std::string SetMillis(Builder& b, std::string_view value) {
  return ParseInt(value, Min, Max, &(b.config.worker.*Field));
}

template <int64_t Min, int consumer::WorkerOptions::*Field>
std::string SetCount(Builder& b, std::string_view value) {
  int64_t v = 0;
  std::string why = ParseInt(value, Min, kMaxInt, &v);
  if (why.empty()) b.config.worker.*Field = static_cast<int>(v);
  return why;
}

template <bool consumer::WorkerOptions::*Field>
std::string SetBool(Builder& b, std::string_view value) {
  return ParseBool(value, &(b.config.worker.*Field));
}

bool IsTableName(std::string_view name) {
  return name.size() >= 3 && name.size() <= 255 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
         });
}

std::string CheckRegion(std::string_view value) {
  const bool ok = std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
  return ok ? std::string() : "not a region name (such as us-east-1)";
}

std::string CheckEndpoint(std::string_view value) {
  const std::string v = Lower(value);
  if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
    return "not an http:// or https:// URL";
  }
  if (v.size() == v.find("://") + 3) return "a URL without a host";
  return {};
}

std::string SetKinesisRegion(Builder& b, std::string_view value) {
  std::string why = CheckRegion(value);
  if (why.empty()) b.config.worker.kinesis.region = std::string(value);
  return why;
}

std::string SetDynamoDbRegion(Builder& b, std::string_view value) {
  std::string why = CheckRegion(value);
  if (why.empty()) b.config.worker.dynamodb.region = std::string(value);
  return why;
}

std::string SetRegion(Builder& b, std::string_view value) {
  std::string why = SetKinesisRegion(b, value);
  if (why.empty()) why = SetDynamoDbRegion(b, value);
  return why;
}

std::string SetKinesisEndpoint(Builder& b, std::string_view value) {
  std::string why = CheckEndpoint(value);
  if (why.empty()) b.config.worker.kinesis.endpoint = std::string(value);
  return why;
}

std::string SetDynamoDbEndpoint(Builder& b, std::string_view value) {
  std::string why = CheckEndpoint(value);
  if (why.empty()) b.config.worker.dynamodb.endpoint = std::string(value);
  return why;
}

std::string SetInitialPosition(Builder& b, std::string_view value) {
  const std::string v = Lower(value);
  if (v == "trim_horizon") {
    b.position = consumer::InitialPosition::kTrimHorizon;
  } else if (v == "latest") {
    b.position = consumer::InitialPosition::kLatest;
  } else if (v == "at_timestamp") {
    b.position = consumer::InitialPosition::kAtTimestamp;
  } else {
    return "not one of TRIM_HORIZON, LATEST, AT_TIMESTAMP";
  }
  return {};
}

// KCL reads initialPositionInStreamExtended as seconds since the epoch (AT_TIMESTAMP).
std::string SetInitialTimestamp(Builder& b, std::string_view value) {
  int64_t seconds = 0;
  std::string why = ParseInt(value, 0, int64_t{1} << 40, &seconds);
  if (!why.empty()) return why + " (seconds since the epoch)";
  b.timestamp_seconds = seconds;
  return {};
}

std::string SetMaxRecords(Builder& b, std::string_view value) {
  int64_t v = 0;
  // KCL's PollingConfig refuses more than GetRecords' limit of 10,000.
  std::string why = ParseInt(value, 1, 10000, &v);
  if (why.empty()) b.config.worker.max_records = static_cast<int>(v);
  return why;
}

std::string SetTimeout(Builder& b, std::string_view value) {
  int64_t v = 0;
  std::string why = ParseInt(value, 0, kMaxInt, &v);
  if (why.empty()) b.config.timeout_seconds = static_cast<int>(v);
  return why;
}

std::string SetExecutable(Builder& b, std::string_view value) {
  b.config.executable_name = std::string(value);
  return {};
}

std::string SetApplication(Builder& b, std::string_view value) {
  b.config.worker.application_name = std::string(value);
  return {};
}

std::string SetTableName(Builder& b, std::string_view value) {
  if (!IsTableName(value)) {
    return "not a DynamoDB table name (3 to 255 of a-z A-Z 0-9 _ - .)";
  }
  b.config.worker.lease_table_name = std::string(value);
  return {};
}

std::string SetStreamName(Builder& b, std::string_view value) {
  b.stream_name = std::string(value);
  return {};
}

// arn:<partition>:kinesis:<region>:<account>:stream/<name>, or a DynamoDB stream's
// arn:<partition>:dynamodb:<region>:<account>:table/<table>/stream/<label>.
std::string SetStreamArn(Builder& b, std::string_view value) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const size_t colon = value.find(':', start);
    if (colon == std::string_view::npos) break;
    parts.push_back(value.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.size() != 5 || parts[0] != "arn") return "not an ARN";
  const std::string_view resource = value.substr(start);
  if (parts[2] == "kinesis" && resource.rfind("stream/", 0) == 0 && resource.size() > 7) {
    b.config.worker.source_kind = consumer::SourceKind::kKinesis;
  } else if (parts[2] == "dynamodb" && resource.rfind("table/", 0) == 0 &&
             resource.find("/stream/") != std::string_view::npos) {
    b.config.worker.source_kind = consumer::SourceKind::kDynamoDbStream;
  } else {
    return "not the ARN of a Kinesis stream (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME) or of a "
           "DynamoDB stream";
  }
  b.stream_arn = std::string(value);
  return {};
}

std::string SetWorkerId(Builder& b, std::string_view value) {
  b.config.worker.worker_id = std::string(value);
  return {};
}

std::string SetProcessingLanguage(Builder& b, std::string_view value) {
  b.config.processing_language = std::string(value);
  return {};
}

std::string SetRetrievalMode(Builder& b, std::string_view value) {
  const std::string v = Lower(value);
  if (v == "polling") return {};
  if (v == "fanout" || v == "default") {
    b.warnings.push_back({b.current_key,
                          "eddy's worker reads shards by polling GetRecords; " +
                              std::string(value) + " (enhanced fan-out) is not used"});
    return {};
  }
  return "not one of FANOUT, POLLING, DEFAULT";
}

// An AWSCredentialsProvider value: providers separated by ',', each "Name" or "Name|arg|...",
// the name short or with its Java package.
std::string ParseCredentials(std::string_view value, CredentialsChoice* choice) {
  static constexpr std::string_view kPackages[] = {
      "software.amazon.awssdk.auth.credentials.", "software.amazon.kinesis.multilang.auth.",
      "com.amazonaws.auth.", "software.amazon.awssdk.services.sts.auth."};
  bool first = true;
  bool any = false;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view element = Trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    if (element.empty()) continue;
    std::vector<std::string> args;
    size_t start = 0;
    while (true) {
      const size_t bar = element.find('|', start);
      args.emplace_back(element.substr(start, bar - start));
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
    std::string_view name = args[0];
    for (std::string_view package : kPackages) {
      if (name.rfind(package, 0) == 0) name.remove_prefix(package.size());
    }
    const std::string shown(name);
    if (name == "DefaultCredentialsProvider" || name == "DefaultAWSCredentialsProviderChain" ||
        name == "EnvironmentVariableCredentialsProvider") {
      // Resolved as the aws CLI does: environment, then the shared files.
    } else if (name == "ProfileCredentialsProvider") {
      if (args.size() > 2) return shown + " takes at most a profile name";
      if (args.size() == 2 && choice->profile.empty()) choice->profile = args[1];
    } else if (name == "KclStaticCredentialsProvider") {
      if (args.size() != 3 && args.size() != 4) {
        return shown + " takes an access key id, a secret key and optionally a session token";
      }
      if (first) {
        choice->credentials =
            auth::Credentials{args[1], args[2], args.size() == 4 ? args[3] : std::string()};
      }
    } else if (name == "StsAssumeRoleCredentialsProvider" ||
               name == "KclStsAssumeRoleCredentialsProvider" ||
               name == "KclSTSAssumeRoleSessionCredentialsProvider" ||
               name == "WebIdentityTokenFileCredentialsProvider" ||
               name == "STSAssumeRoleSessionCredentialsProvider") {
      return shown + " is refused: eddy does not assume roles through STS (give the role's "
                     "credentials in the environment or a profile)";
    } else if (name == "InstanceProfileCredentialsProvider" ||
               name == "ContainerCredentialsProvider" ||
               name == "EC2ContainerCredentialsProviderWrapper") {
      return shown + " is refused: eddy does not read EC2 instance or container metadata";
    } else if (name == "SystemPropertyCredentialsProvider" ||
               name == "SystemPropertiesCredentialsProvider") {
      return shown + " is refused: Java system properties do not exist outside a JVM (set "
                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead)";
    } else if (name == "AnonymousCredentialsProvider" ||
               name == "AnonymousAWSCredentialsProvider") {
      return shown + " is refused: eddy's client signs every request";
    } else {
      return shown + " is refused: a Java class that eddy cannot load (use "
                     "DefaultCredentialsProvider, ProfileCredentialsProvider|<profile> or "
                     "KclStaticCredentialsProvider|<key id>|<secret key>)";
    }
    first = false;
    any = true;
  }
  if (!any) return "names no credentials provider";
  return {};
}

std::string SetKinesisCredentials(Builder& b, std::string_view value) {
  CredentialsChoice choice;
  std::string why = ParseCredentials(value, &choice);
  if (why.empty()) b.kinesis_credentials = std::move(choice);
  return why;
}

std::string SetDynamoDbCredentials(Builder& b, std::string_view value) {
  CredentialsChoice choice;
  std::string why = ParseCredentials(value, &choice);
  if (why.empty()) b.dynamodb_credentials = std::move(choice);
  return why;
}

struct HonouredKey {
  std::string_view name;
  Setter set;
};

// Every key of KCL's MultiLangDaemonConfiguration (and MultiLangDaemonConfig) that eddy acts on.
// The AWSCredentialsProvider keys are matched without regard to case, as KCL's configurator does.
constexpr HonouredKey kHonoured[] = {
    {"executableName", SetExecutable},
    {"applicationName", SetApplication},
    {"streamName", SetStreamName},
    {"streamArn", SetStreamArn},
    {"tableName", SetTableName},
    {"workerId", SetWorkerId},
    {"processingLanguage", SetProcessingLanguage},
    {"initialPositionInStream", SetInitialPosition},
    {"initialPositionInStreamExtended", SetInitialTimestamp},
    {"regionName", SetRegion},
    {"dynamoDBRegionName", SetDynamoDbRegion},
    {"kinesisEndpoint", SetKinesisEndpoint},
    {"dynamoDBEndpoint", SetDynamoDbEndpoint},
    {"kinesisClient.endpointOverride", SetKinesisEndpoint},
    {"kinesisClient.region", SetKinesisRegion},
    {"dynamoDbClient.endpointOverride", SetDynamoDbEndpoint},
    {"dynamoDbClient.region", SetDynamoDbRegion},
    {"AWSCredentialsProvider", SetKinesisCredentials},
    {"AWSCredentialsProviderDynamoDB", SetDynamoDbCredentials},
    {"maxRecords", SetMaxRecords},
    {"pollingConfig.maxRecords", SetMaxRecords},
    {"idleTimeBetweenReadsInMillis",
     SetMillis<1, kMaxMillis, &consumer::WorkerOptions::idle_time_between_reads_ms>},
    {"pollingConfig.idleTimeBetweenReadsInMillis",
     SetMillis<1, kMaxMillis, &consumer::WorkerOptions::idle_time_between_reads_ms>},
    {"callProcessRecordsEvenForEmptyRecordList",
     SetBool<&consumer::WorkerOptions::call_process_records_even_for_empty_list>},
    {"failoverTimeMillis", SetMillis<1, kMaxMillis, &consumer::WorkerOptions::failover_time_ms>},
    {"shardSyncIntervalMillis",
     SetMillis<1, kMaxMillis, &consumer::WorkerOptions::shard_sync_interval_ms>},
    {"maxLeasesForWorker", SetCount<1, &consumer::WorkerOptions::max_leases_for_worker>},
    {"maxLeasesToStealAtOneTime",
     SetCount<1, &consumer::WorkerOptions::max_leases_to_steal_at_one_time>},
    {"cleanupLeasesUponShardCompletion",
     SetBool<&consumer::WorkerOptions::cleanup_leases_upon_shard_completion>},
    {"parentShardPollIntervalMillis",
     SetMillis<1, kMaxMillis, &consumer::WorkerOptions::parent_shard_poll_interval_ms>},
    {"taskBackoffTimeMillis",
     SetMillis<1, kMaxMillis, &consumer::WorkerOptions::task_backoff_time_ms>},
    {"shutdownGraceMillis", SetMillis<0, kMaxMillis, &consumer::WorkerOptions::shutdown_grace_ms>},
    {"timeoutInSeconds", SetTimeout},
    {"retrievalMode", SetRetrievalMode},
};

struct IgnoredKey {
  std::string_view name;
  std::string_view reason;
};

constexpr std::string_view kMetrics = "eddy publishes no CloudWatch metrics";
constexpr std::string_view kCapacity =
    "eddy's worker creates its lease table on demand (PAY_PER_REQUEST); capacities do not apply";
constexpr std::string_view kThreads =
    "a thread-pool size of the Java daemon; eddy's worker has its own threads";
constexpr std::string_view kRetries =
    "eddy's client retries failed calls as the AWS SDKs do (client/retry_policy.h)";
constexpr std::string_view kKcl3 =
    "a KCL 3.x setting (worker-utilization lease assignment, graceful handoff and their "
    "tables); eddy's worker balances leases by count, as KCL 2.x does";
constexpr std::string_view kFanout =
    "eddy's worker reads shards by polling GetRecords; enhanced fan-out is not used";
constexpr std::string_view kSdkClient =
    "a setting of KCL's Java SDK client builder that eddy's client has no counterpart for";

// Keys KCL knows that eddy accepts and reports as ignored.
constexpr IgnoredKey kIgnored[] = {
    {"AWSCredentialsProviderCloudWatch", kMetrics},
    {"cloudWatchRegionName", kMetrics},
    {"metricsBufferTimeMillis", kMetrics},
    {"metricsMaxQueueSize", kMetrics},
    {"metricsLevel", kMetrics},
    {"metricsEnabledDimensions", kMetrics},
    {"initialLeaseTableReadCapacity", kCapacity},
    {"initialLeaseTableWriteCapacity", kCapacity},
    {"maxActiveThreads", kThreads},
    {"maxLeaseRenewalThreads", kThreads},
    {"maxGetRecordsThreadPool", kThreads},
    {"pollingConfig.maxGetRecordsThreadPool", kThreads},
    {"retryGetRecordsInSeconds", kRetries},
    {"pollingConfig.retryGetRecordsInSeconds", kRetries},
    {"listShardsBackoffTimeInMillis", kRetries},
    {"maxListShardsRetryAttempts", kRetries},
    {"validateSequenceNumberBeforeCheckpointing",
     "eddy's checkpointer checks a position against the records it delivered"},
    {"ignoreUnexpectedChildShards", "eddy's shard sync takes every shard the stream lists"},
    {"shardPrioritization", "eddy's worker starts parents before children and has no other order"},
    {"skipShardSyncAtWorkerInitializationIfLeasesExist",
     "eddy's worker always lists shards when it starts"},
    {"schedulerInitializationBackoffTimeMillis",
     "eddy's worker retries a failed start after taskBackoffTimeMillis"},
    {"logWarningForTaskAfterMillis", "eddy's worker has no slow-task warning"},
    {"enablePriorityLeaseAssignment", kKcl3},
    {"clientVersionConfig", kKcl3},
    {"leaseAssignmentIntervalMillis", kKcl3},
    {"coordinatorStateTableName", kKcl3},
    {"coordinatorStateBillingMode", kKcl3},
    {"coordinatorStateReadCapacity", kKcl3},
    {"coordinatorStateWriteCapacity", kKcl3},
    {"coordinatorStatePointInTimeRecoveryEnabled", kKcl3},
    {"coordinatorStateDeletionProtectionEnabled", kKcl3},
    {"coordinatorStateTags", kKcl3},
    {"gracefulLeaseHandoffTimeoutMillis", kKcl3},
    {"isGracefulLeaseHandoffEnabled", kKcl3},
    {"workerMetricsTableName", kKcl3},
    {"workerMetricsBillingMode", kKcl3},
    {"workerMetricsReadCapacity", kKcl3},
    {"workerMetricsWriteCapacity", kKcl3},
    {"workerMetricsPointInTimeRecoveryEnabled", kKcl3},
    {"workerMetricsDeletionProtectionEnabled", kKcl3},
    {"workerMetricsTags", kKcl3},
    {"inMemoryWorkerMetricsCaptureFrequencyMillis", kKcl3},
    {"workerMetricsReporterFreqInMillis", kKcl3},
    {"noOfPersistedMetricsPerWorkerMetrics", kKcl3},
    {"disableWorkerMetrics", kKcl3},
    {"maxThroughputPerHostKBps", kKcl3},
    {"dampeningPercentage", kKcl3},
    {"reBalanceThresholdPercentage", kKcl3},
    {"allowThroughputOvershoot", kKcl3},
    {"varianceBalancingFrequency", kKcl3},
    {"workerMetricsEMAAlpha", kKcl3},
    {"staleWorkerMetricsEntryCleanupDuration", kKcl3},
};

// Nested keys KCL hands to a bean of its own (BeanUtils' "bean.property" syntax): any property
// of these is accepted and ignored, unless kHonoured names it.
constexpr IgnoredKey kIgnoredPrefixes[] = {
    {"fanoutConfig.", kFanout},
    {"pollingConfig.", kRetries},
    {"kinesisClient.", kSdkClient},
    {"dynamoDbClient.", kSdkClient},
    {"cloudWatchClient.", kMetrics},
};

// KCL's configurator rewrites any key starting with "awscredentialsprovider", whatever its case,
// to its own spelling.
std::string CanonicalKey(const std::string& key) {
  static constexpr std::string_view kCredentials = "awscredentialsprovider";
  const std::string lower = Lower(key);
  if (lower.rfind(kCredentials, 0) != 0) return key;
  return "AWSCredentialsProvider" + key.substr(kCredentials.size());
}

const HonouredKey* FindHonoured(std::string_view key) {
  for (const HonouredKey& k : kHonoured) {
    if (k.name == key) return &k;
  }
  // The suffix of the credentials keys is matched without case too ("...dynamodb").
  const std::string lower = Lower(key);
  if (lower == "awscredentialsproviderdynamodb") return FindHonoured("AWSCredentialsProviderDynamoDB");
  return nullptr;
}

std::optional<std::string_view> FindIgnored(std::string_view key) {
  const std::string lower = Lower(key);
  if (lower == "awscredentialsprovidercloudwatch") return kMetrics;
  for (const IgnoredKey& k : kIgnored) {
    if (k.name == key) return k.reason;
  }
  for (const IgnoredKey& k : kIgnoredPrefixes) {
    if (key.size() > k.name.size() && key.rfind(k.name, 0) == 0) return k.reason;
  }
  return std::nullopt;
}

Status KeyError(const Property& p, std::string_view why) {
  return Status::InvalidArgument("multilang properties, line " + std::to_string(p.line) + ": " +
                                 p.key + " = '" + std::string(Trim(p.value)) + "': " +
                                 std::string(why));
}

void ApplyCredentials(const CredentialsChoice& choice, client::ClientConfig* config) {
  config->profile = choice.profile;
  config->credentials = choice.credentials;
}

// The checks that need every key.
Status Finish(Builder& b) {
  MultiLangConfig& c = b.config;
  if (c.executable_name.empty()) {
    return Status::InvalidArgument(
        "multilang properties: executableName is required (the command that runs the record "
        "processor, e.g. executableName = python3 app.py)");
  }
  if (c.worker.application_name.empty()) {
    return Status::InvalidArgument(
        "multilang properties: applicationName is required (it names the lease table)");
  }
  if (c.worker.lease_table_name.empty() && !IsTableName(c.worker.application_name)) {
    return Status::InvalidArgument(
        "multilang properties: applicationName '" + c.worker.application_name +
        "' names the lease table, and is not a DynamoDB table name (3 to 255 of a-z A-Z 0-9 _ - "
        ".); set tableName");
  }
  // Like KCL: the ARN wins over the name.
  if (!b.stream_arn.empty()) {
    c.worker.stream = b.stream_arn;
  } else if (!b.stream_name.empty()) {
    c.worker.stream = b.stream_name;
    c.worker.source_kind = consumer::SourceKind::kKinesis;
  } else {
    return Status::InvalidArgument("multilang properties: streamName or streamArn is required");
  }
  if (b.timestamp_seconds) {
    if (b.position && *b.position != consumer::InitialPosition::kAtTimestamp) {
      return Status::InvalidArgument(
          "multilang properties: initialPositionInStream and initialPositionInStreamExtended "
          "disagree (the second means AT_TIMESTAMP)");
    }
    c.worker.initial_position = consumer::InitialPosition::kAtTimestamp;
    c.worker.initial_timestamp_ms = *b.timestamp_seconds * 1000;
  } else if (b.position) {
    if (*b.position == consumer::InitialPosition::kAtTimestamp) {
      return Status::InvalidArgument(
          "multilang properties: initialPositionInStream = AT_TIMESTAMP needs "
          "initialPositionInStreamExtended (seconds since the epoch)");
    }
    c.worker.initial_position = *b.position;
  }
  // KCL uses the Kinesis provider for DynamoDB when none is given for DynamoDB.
  if (b.kinesis_credentials) ApplyCredentials(*b.kinesis_credentials, &c.worker.kinesis);
  if (b.dynamodb_credentials) {
    ApplyCredentials(*b.dynamodb_credentials, &c.worker.dynamodb);
  } else if (b.kinesis_credentials) {
    ApplyCredentials(*b.kinesis_credentials, &c.worker.dynamodb);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Property>> ParseJavaProperties(std::string_view text) {
  std::vector<Property> properties;
  size_t pos = 0;
  int line_number = 0;
  // Reads the next natural line (without its terminator: \n, \r or \r\n).
  auto next_line = [&](std::string_view* line) {
    if (pos >= text.size()) return false;
    ++line_number;
    const size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      *line = text.substr(pos);
      pos = text.size();
    } else {
      *line = text.substr(pos, end - pos);
      pos = end + 1;
      if (text[end] == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
    }
    return true;
  };
  auto skip_blanks = [](std::string_view s) {
    size_t i = 0;
    while (i < s.size() && IsBlankChar(s[i])) ++i;
    return s.substr(i);
  };
  auto continues = [](std::string_view s) {
    size_t backslashes = 0;
    while (backslashes < s.size() && s[s.size() - 1 - backslashes] == '\\') ++backslashes;
    return backslashes % 2 == 1;
  };
  std::string_view natural;
  while (next_line(&natural)) {
    const int first_line = line_number;
    std::string_view head = skip_blanks(natural);
    if (head.empty() || head.front() == '#' || head.front() == '!') continue;
    std::string logical;
    std::string_view piece = head;
    while (continues(piece)) {
      piece.remove_suffix(1);
      logical += piece;
      std::string_view more;
      if (!next_line(&more)) {
        piece = {};
        break;
      }
      // A continuation line's leading blanks go; '#' and '!' are ordinary there.
      piece = skip_blanks(more);
    }
    logical += piece;

    std::string_view raw_key;
    std::string_view raw_value;
    SplitKeyValue(logical, &raw_key, &raw_value);
    Property p;
    p.line = first_line;
    if (!Unescape(raw_key, &p.key) || !Unescape(raw_value, &p.value)) {
      return Status::InvalidArgument("properties, line " + std::to_string(first_line) +
                                     ": malformed \\uxxxx escape");
    }
    properties.push_back(std::move(p));
  }
  return properties;
}

Result<LoadedMultiLangConfig> MultiLangConfigFromProperties(
    const std::vector<Property>& properties) {
  Builder b;
  std::vector<std::string> seen;
  for (const Property& p : properties) {
    const std::string key = CanonicalKey(p.key);
    const std::string_view value = Trim(p.value);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      b.warnings.push_back({key, "given more than once; the last value (line " +
                                     std::to_string(p.line) + ") is used, as KCL does"});
    } else {
      seen.push_back(key);
    }
    if (const HonouredKey* honoured = FindHonoured(key)) {
      if (value.empty()) continue;  // "key =" leaves KCL's default
      b.current_key = key;
      if (std::string why = honoured->set(b, value); !why.empty()) return KeyError(p, why);
      continue;
    }
    if (std::optional<std::string_view> reason = FindIgnored(key)) {
      // "key =" sets nothing, so nothing is ignored (the sample files list KCL 3.x keys so).
      if (!value.empty()) b.warnings.push_back({key, "ignored: " + std::string(*reason)});
      continue;
    }
    return KeyError(p, "unknown key (neither KCL's MultiLangDaemon nor eddy knows it)");
  }
  EDDY_RETURN_IF_ERROR(Finish(b));
  return LoadedMultiLangConfig{std::move(b.config), std::move(b.warnings)};
}

Result<LoadedMultiLangConfig> ParseMultiLangProperties(std::string_view text) {
  EDDY_ASSIGN_OR_RETURN(std::vector<Property> properties, ParseJavaProperties(text));
  return MultiLangConfigFromProperties(properties);
}

Result<LoadedMultiLangConfig> LoadMultiLangProperties(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno != 0 ? errno : EIO, "reading " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError("reading " + path);
  Result<LoadedMultiLangConfig> loaded = ParseMultiLangProperties(text.str());
  if (!loaded.ok()) return loaded.status().WithContext(path);
  return loaded;
}

}  // namespace eddy::consumer::multilang
