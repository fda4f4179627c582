package io.meshfed.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** EC2's error documents, as EC2 sends them, become the reasons on conditions. */
class AwsErrorsTest {
  HttpServer server;
  final AtomicInteger requests = new AtomicInteger();

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private ProviderContext answering(int status, String code, String message) throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          requests.incrementAndGet();
          byte[] body =
              ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\"><Errors><Error><Code>"
                      + code
                      + "</Code><Message>"
                      + message
                      + "</Message></Error></Errors><RequestID>req-1</RequestID></Response>")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/xml;charset=UTF-8");
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return new ProviderContext(
        "c",
        "default/mesh",
        Map.of(
            "region", "eu-west-1", "endpoint", "http://127.0.0.1:" + server.getAddress().getPort()),
        Map.of("accessKeyId", "AKIAEXAMPLE", "secretAccessKey", "wrong"));
  }

  @Test
  void authFailureAsEc2SendsItIsInvalidCredentialsAndNotRetried() throws Exception {
    // EC2 sends AuthFailure with 401; the URL-connection client loses a 401's body
    ProviderContext context =
        answering(
            401, "AuthFailure", "AWS was not able to validate the provided access credentials");
    assertThatThrownBy(() -> new AwsMachineProvider().verifyCredentials(context))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).as(e.getMessage()).isEqualTo("InvalidCredentials");
              assertThat(e.isRetryable()).isFalse();
              assertThat(e.getMessage()).contains("AuthFailure");
            });
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void theErrorCodeDecidesWhenTheBodyArrives() throws Exception {
    ProviderContext context =
        answering(
            400, "AuthFailure", "AWS was not able to validate the provided access credentials");
    assertThatThrownBy(() -> new AwsMachineProvider().verifyCredentials(context))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).as(e.getMessage()).isEqualTo("InvalidCredentials");
              assertThat(e.isRetryable()).isFalse();
              assertThat(e.getMessage()).contains("AuthFailure").contains("not able to validate");
            });
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void throttlingIsRetriedByTheSdkThenReportedAsThrottled() throws Exception {
    ProviderContext context = answering(503, "RequestLimitExceeded", "Request limit exceeded.");
    assertThatThrownBy(() -> new AwsMachineProvider().verifyCredentials(context))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("Throttled");
              assertThat(e.isRetryable()).isTrue();
            });
    assertThat(requests.get())
        .as("the SDK's own retries, with backoff and jitter")
        .isGreaterThan(1);
  }
}
