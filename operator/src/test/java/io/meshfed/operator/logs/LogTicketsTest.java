package io.meshfed.operator.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.api.v1alpha1.LogRequestSpec;
import io.meshfed.api.v1alpha1.LogRequestStatus;
import io.meshfed.operator.server.AgentApiException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogTicketsTest {
  private static final Instant MADE = Instant.parse("2026-12-05T10:00:00Z");
  private static final Duration LIFETIME = Duration.ofMinutes(2);

  private static LogRequest request(String ticket, String servedAt) {
    LogRequest request = new LogRequest();
    request.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace("apps")
            .withName("r")
            .withCreationTimestamp(MADE.toString())
            .build());
    LogRequestSpec spec = new LogRequestSpec();
    spec.setWorkload("web");
    spec.setTicketHash(LogRequestSpec.hashOf(ticket));
    request.setSpec(spec);
    if (servedAt != null) {
      LogRequestStatus status = new LogRequestStatus();
      status.setServedAt(servedAt);
      request.setStatus(status);
    }
    return request;
  }

  @Test
  void theTicketWhoseHashTheRequestHoldsOpensItOnceWithinItsLifetime() {
    assertThat(LogTickets.refusal(request("t1", null), "t1", MADE.plusSeconds(30), LIFETIME))
        .isEmpty();
    assertThat(LogTickets.refusal(request("t1", null), "t2", MADE, LIFETIME))
        .get()
        .satisfies(e -> assertThat(e.status()).isEqualTo(401))
        .extracting(AgentApiException::error)
        .satisfies(e -> assertThat(e.reason()).isEqualTo("WrongTicket"));
    assertThat(LogTickets.refusal(request("t1", MADE.toString()), "t1", MADE, LIFETIME))
        .get()
        .satisfies(e -> assertThat(e.status()).isEqualTo(409));
    assertThat(
            LogTickets.refusal(
                request("t1", null), "t1", MADE.plus(LIFETIME).plusSeconds(1), LIFETIME))
        .get()
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(410);
              assertThat(e.error().message()).contains("make a new request");
            });
  }

  @Test
  void aHashIsSha256InHex() {
    assertThat(LogRequestSpec.hashOf("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void aRequestIsDeletedAfterItsRetention() {
    LogRequest request = request("t", null);
    Duration retention = Duration.ofMinutes(10);
    assertThat(LogRequestReconciler.left(request, MADE.plusSeconds(60), retention))
        .isEqualTo(Duration.ofMinutes(9));
    assertThat(LogRequestReconciler.left(request, MADE.plus(retention), retention)).isZero();
    assertThat(LogRequestReconciler.left(request, MADE.plus(Duration.ofHours(1)), retention))
        .isZero();
  }
}
