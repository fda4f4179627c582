package io.meshfed.operator.logs;

import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.api.v1alpha1.LogRequestSpec;
import io.meshfed.operator.server.AgentApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a ticket opens a LogRequest: its SHA-256 is the request's {@code ticketHash}, the request
 * is young enough and was not served yet. Pure; the caller marks the request served.
 */
public final class LogTickets {
  private LogTickets() {}

  /** Why {@code ticket} does not open {@code request} now, or empty when it does. */
  public static Optional<AgentApiException> refusal(
      LogRequest request, String ticket, Instant now, Duration lifetime) {
    String name = request.getMetadata().getNamespace() + "/" + request.getMetadata().getName();
    String expected = request.getSpec() == null ? null : request.getSpec().getTicketHash();
    if (expected == null
        || !MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.US_ASCII),
            LogRequestSpec.hashOf(ticket).getBytes(StandardCharsets.US_ASCII))) {
      return Optional.of(
          AgentApiException.unauthorized(
              "WrongTicket", "the ticket is not the one LogRequest " + name + " was made for"));
    }
    if (request.getStatus() != null && request.getStatus().getServedAt() != null) {
      return Optional.of(
          AgentApiException.conflict(
              "TicketUsed",
              "LogRequest "
                  + name
                  + " was served at "
                  + request.getStatus().getServedAt()
                  + "; a ticket is used once: make a new request"));
    }
    Instant made = Instant.parse(request.getMetadata().getCreationTimestamp());
    if (made.plus(lifetime).isBefore(now)) {
      return Optional.of(
          AgentApiException.gone(
              "TicketExpired",
              "LogRequest "
                  + name
                  + " was made at "
                  + made
                  + "; its ticket is taken for "
                  + lifetime.toSeconds()
                  + " s: make a new request"));
    }
    return Optional.empty();
  }
}
