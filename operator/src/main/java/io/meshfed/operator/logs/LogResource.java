package io.meshfed.operator.logs;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.api.agent.ApiError;
import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.api.v1alpha1.LogRequestSpec;
import io.meshfed.api.v1alpha1.LogRequestStatus;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.join.Credentials;
import io.meshfed.operator.server.AgentApiException;
import io.meshfed.operator.server.ApiErrorResponses;
import io.meshfed.operator.support.Conditions;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Replicas' output, for {@code kubectl meshfed logs} (decision 0022): a reader presents the ticket
 * of a LogRequest (whose creation Kubernetes authorized), the replica's agent is asked at its next
 * long poll and posts the output here in chunks, and the reader gets it as it comes. The operator
 * never dials a peer, and no log line is written to the Kubernetes API.
 */
@Path("/api/v1/logs")
@Tag(name = "logs", description = "Replicas' output, from their agents to a reader")
public class LogResource {
  private static final Logger LOG = Logger.getLogger(LogResource.class);

  /** How long an agent's chunk waits for room while the reader is slow. */
  private static final Duration OFFER_WAIT = Duration.ofSeconds(5);

  /** How often a reader's idle stream looks whether the reader is still there. */
  private static final Duration READER_CHECK = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final LogStreams streams;
  private final Credentials credentials;
  private final MeshfedConfig.Logs config;
  private final Clock clock;

  public LogResource(
      KubernetesClient client,
      LogStreams streams,
      Credentials credentials,
      MeshfedConfig config,
      Clock clock) {
    this.client = client;
    this.streams = streams;
    this.credentials = credentials;
    this.config = config.agentApi().logs();
    this.clock = clock;
  }

  @GET
  @Path("/requests/{namespace}/{request}")
  @Produces(MediaType.TEXT_PLAIN)
  @Blocking
  @Operation(
      summary =
          "A replica's output, as its LogRequest asks: the request's one-time ticket as the bearer"
              + " token")
  public Response read(
      @HeaderParam("Authorization") String authorization,
      @PathParam("namespace") String namespace,
      @PathParam("request") String name,
      @Context HttpServerResponse http) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      throw AgentApiException.unauthorized(
          "MissingTicket", "send the LogRequest's ticket as 'Authorization: Bearer <ticket>'");
    }
    LogRequest request = find(namespace, name);
    Optional<AgentApiException> refusal =
        LogTickets.refusal(
            request, authorization.substring(7), clock.instant(), config.ticketLifetime());
    if (refusal.isPresent()) {
      throw refusal.get();
    }
    LogRequestSpec spec = request.getSpec();
    ReplicaPlacement placement = placementOf(namespace, spec);
    LogStreams.Stream stream =
        streams.open(
            namespace + "/" + placement.getPeer(),
            placement.getReplica(),
            spec.getTailLines(),
            Boolean.TRUE.equals(spec.getFollow()),
            Boolean.TRUE.equals(spec.getPrevious()));
    try {
      // the stream's name in the request's status reaches the replica that holds the agent's poll
      served(request, placement, stream.id());
    } catch (RuntimeException e) {
      streams.close(stream);
      throw e;
    }
    LogStreams.Item first;
    try {
      first = stream.next(config.agentAnswerTimeout());
      if (first == null) {
        throw AgentApiException.timeout(
            "AgentDidNotAnswer",
            "the agent of peer "
                + placement.getPeer()
                + " did not start sending the output of "
                + placement.getReplica()
                + " within "
                + config.agentAnswerTimeout().toSeconds()
                + " s: is it connected?");
      }
      if (first instanceof LogStreams.End end && end.error().isPresent()) {
        throw refusalOf(end.error().get(), placement);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      streams.close(stream);
      throw AgentApiException.unavailable("Interrupted", "the operator is stopping");
    } catch (RuntimeException e) {
      streams.close(stream);
      throw e;
    }
    return Response.ok((StreamingOutput) out -> copy(stream, first, out, http))
        .type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
        .header("X-Meshfed-Replica", placement.getReplica())
        .header("X-Meshfed-Peer", placement.getPeer())
        .build();
  }

  /** Writes the stream to the reader until it ends or the reader goes. */
  private void copy(
      LogStreams.Stream stream, LogStreams.Item first, OutputStream out, HttpServerResponse http)
      throws IOException {
    try {
      LogStreams.Item item = first;
      while (true) {
        if (item instanceof LogStreams.End end) {
          if (end.error().isPresent()) {
            // the status went out with the first chunk: the reader sees the error last
            out.write(
                ("\nmeshfed: " + end.error().get().message() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
          }
          return;
        }
        if (item instanceof LogStreams.Chunk chunk) {
          out.write(chunk.bytes());
          out.flush();
        }
        if (http != null && http.closed()) {
          return;
        }
        item = stream.next(READER_CHECK);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      streams.close(stream);
    }
  }

  @POST
  @Path("/streams/{stream}/chunks")
  @Consumes(MediaType.APPLICATION_OCTET_STREAM)
  @Blocking
  @Operation(
      summary =
          "The agent's next chunk of a replica's output (at most 64 KiB; empty: is the reader"
              + " still there?). 404: nobody reads it (any more), stop; 429: the reader is slow,"
              + " send it again")
  public Response chunk(
      @HeaderParam("Authorization") String authorization,
      @QueryParam("peer") String peerName,
      @PathParam("stream") String id,
      InputStream body)
      throws IOException {
    LogStreams.Stream stream = streamOf(authorization, peerName, id);
    byte[] bytes = body == null ? new byte[0] : body.readNBytes(LogStreams.MAX_CHUNK + 1);
    if (bytes.length > LogStreams.MAX_CHUNK) {
      throw AgentApiException.badField(
          "body", "a chunk holds at most " + LogStreams.MAX_CHUNK + " bytes");
    }
    try {
      Optional<Boolean> taken = stream.offer(bytes, OFFER_WAIT);
      if (taken.isEmpty()) {
        throw readerGone(id);
      }
      if (!taken.get()) {
        throw AgentApiException.tooMany("ReaderSlow", "the reader is slow: send the chunk again")
            .retryAfter(1);
      }
      return Response.noContent().build();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw AgentApiException.unavailable("Interrupted", "the operator is stopping");
    }
  }

  @POST
  @Path("/streams/{stream}/end")
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(
      summary =
          "The agent sent all of the output it will; with an error body when it could not send"
              + " it (no such replica here, no previous run)")
  public Response end(
      @HeaderParam("Authorization") String authorization,
      @QueryParam("peer") String peerName,
      @PathParam("stream") String id,
      ApiError error) {
    LogStreams.Stream stream = streamOf(authorization, peerName, id);
    // {} (or no body): all was sent; an error says why nothing could be
    boolean failed = error != null && (error.reason() != null || error.message() != null);
    if (failed && (error.reason() == null || error.message() == null)) {
      throw AgentApiException.badField(
          error.reason() == null ? "reason" : "message", "an error says its reason and message");
    }
    stream.end(failed ? Optional.of(error) : Optional.empty());
    return Response.noContent().build();
  }

  private LogStreams.Stream streamOf(String authorization, String peerName, String id) {
    var peer = credentials.authenticate(authorization, peerName);
    String key = peer.getMetadata().getNamespace() + "/" + peer.getMetadata().getName();
    return streams.stream(id, key).orElseThrow(() -> readerGone(id));
  }

  /** Never opened, or its reader is gone (the stream went with it): the agent stops. */
  private static AgentApiException readerGone(String id) {
    return AgentApiException.notFound(
        "LogStreamNotFound", "log stream " + id + " has no reader (any more): stop sending");
  }

  private LogRequest find(String namespace, String name) {
    LogRequest request;
    try {
      request = client.resources(LogRequest.class).inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw AgentApiException.notFound(
          "LogRequestNotFound", "no LogRequest " + namespace + "/" + name + ": " + e.getMessage());
    }
    if (request == null) {
      throw AgentApiException.notFound(
          "LogRequestNotFound",
          "no LogRequest "
              + namespace
              + "/"
              + name
              + ": create one first (kubectl meshfed logs does)");
    }
    return request;
  }

  /** The replica the request names, or the workload's lowest placed one. */
  private ReplicaPlacement placementOf(String namespace, LogRequestSpec spec) {
    Workload workload =
        client.resources(Workload.class).inNamespace(namespace).withName(spec.getWorkload()).get();
    if (workload == null) {
      throw AgentApiException.notFound(
          "WorkloadNotFound", "no Workload " + namespace + "/" + spec.getWorkload());
    }
    List<ReplicaPlacement> placed =
        workload.getStatus() == null || workload.getStatus().getPlacements() == null
            ? List.of()
            : workload.getStatus().getPlacements().stream()
                .filter(p -> p.getPeer() != null && p.getReplica() != null)
                .sorted(Comparator.comparingInt(p -> indexOf(spec.getWorkload(), p)))
                .toList();
    Optional<ReplicaPlacement> chosen =
        spec.getReplica() == null
            ? placed.stream().findFirst()
            : placed.stream()
                .filter(p -> p.getReplica().equals(spec.getWorkload() + "-" + spec.getReplica()))
                .findFirst();
    return chosen.orElseThrow(
        () ->
            AgentApiException.notFound(
                "ReplicaNotPlaced",
                "Workload "
                    + spec.getWorkload()
                    + (spec.getReplica() == null
                        ? " has no replica placed on a peer"
                        : " has no replica " + spec.getReplica() + " placed on a peer")
                    + (placed.isEmpty()
                        ? ""
                        : "; placed: "
                            + String.join(
                                ", ",
                                placed.stream().map(ReplicaPlacement::getReplica).toList()))));
  }

  private static int indexOf(String workload, ReplicaPlacement placement) {
    try {
      return Integer.parseInt(placement.getReplica().substring(workload.length() + 1));
    } catch (RuntimeException e) {
      return Integer.MAX_VALUE;
    }
  }

  /** Marks the request served, once: of two readers with the same ticket, one gets the stream. */
  private void served(LogRequest request, ReplicaPlacement placement, String stream) {
    LogRequestStatus status = new LogRequestStatus();
    status.setStream(stream);
    status.setServedAt(Conditions.timestamp(clock.instant()));
    status.setReplica(placement.getReplica());
    status.setPeer(placement.getPeer());
    request.setStatus(status);
    try {
      // the resourceVersion the ticket was checked against: a second use conflicts
      client.resource(request).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw AgentApiException.conflict(
            "TicketUsed", "the ticket was used at the same time by another reader");
      }
      throw e;
    }
  }

  private static AgentApiException refusalOf(ApiError error, ReplicaPlacement placement) {
    String message = "peer " + placement.getPeer() + ": " + error.message();
    LOG.debugf("log stream of %s refused: %s", placement.getReplica(), message);
    return switch (error.reason()) {
      case "ReplicaNotFound", "NoPreviousRun", "NoOutput" ->
          AgentApiException.notFound(error.reason(), message);
      default -> AgentApiException.badGateway(error.reason(), message);
    };
  }

  @ServerExceptionMapper
  public Response refused(AgentApiException e) {
    return ApiErrorResponses.refused(e);
  }

  @ServerExceptionMapper
  public Response unreadable(WebApplicationException e) {
    return ApiErrorResponses.unreadable(e);
  }

  @ServerExceptionMapper
  public Response malformed(JsonProcessingException e) {
    return ApiErrorResponses.malformed(e);
  }
}
