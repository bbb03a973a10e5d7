package eddy.compat;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The settings every AWS client needs to reach eddy instead of AWS (docs/compat/kcl.md):
 * endpointOverride, a real region id, static credentials, HTTP/1.1 and no CBOR.
 */
public final class Clients {
  public static final Region REGION = Region.US_EAST_1;

  private Clients() {}

  /**
   * Turns CBOR off for the Kinesis client (eddy speaks JSON 1.1 only). The SDK reads the property
   * when a client is built, so this runs before any client exists.
   */
  public static void disableCbor() {
    System.setProperty("aws.cborEnabled", "false");
  }

  public static AwsCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"));
  }

  /**
   * Netty with HTTP/1.1: KCL's own KinesisClientUtil forces HTTP/2 (for SubscribeToShard), which
   * eddy does not serve.
   */
  public static NettyNioAsyncHttpClient.Builder http() {
    return NettyNioAsyncHttpClient.builder()
        .protocol(Protocol.HTTP1_1)
        .maxConcurrency(64)
        .connectionAcquisitionTimeout(Duration.ofSeconds(30));
  }

  public static DynamoDbAsyncClient dynamoDb(URI endpoint) {
    return DynamoDbAsyncClient.builder()
        .endpointOverride(endpoint)
        .region(REGION)
        .credentialsProvider(credentials())
        .httpClientBuilder(http())
        .build();
  }

  /** ConfigsBuilder wants one; with NullMetricsFactory it is never called. */
  public static CloudWatchAsyncClient cloudWatch(URI endpoint) {
    return CloudWatchAsyncClient.builder()
        .endpointOverride(endpoint)
        .region(REGION)
        .credentialsProvider(credentials())
        .httpClientBuilder(http())
        .build();
  }
}
