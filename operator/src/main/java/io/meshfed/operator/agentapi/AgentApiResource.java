package io.meshfed.operator.agentapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshfed.api.agent.ApiError;
import io.meshfed.api.agent.CaBundle;
import io.meshfed.api.agent.JoinChallenge;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyRotation;
import io.meshfed.api.agent.LogFetch;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.join.Credentials;
import io.meshfed.operator.join.FailedJoins;
import io.meshfed.operator.join.JoinChallenges;
import io.meshfed.operator.join.JoinService;
import io.meshfed.operator.join.KeyRotations;
import io.meshfed.operator.join.Validation;
import io.meshfed.operator.logs.LogStreams;
import io.meshfed.operator.netmap.NetMapPublisher;
import io.meshfed.operator.server.AgentApiException;
import io.meshfed.operator.server.AgentApiTls;
import io.meshfed.operator.server.ApiErrorResponses;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** The agent API: what agents call, over HTTPS only (docs/architecture.md, decision 0005). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "agent", description = "The protocol between peer agents and the operator")
public class AgentApiResource {
  /** Long polls one credential may hold open: an agent needs one; a retry may overlap it. */
  static final int POLLS_PER_PEER = 4;

  /** Open long polls by peer; a peer with none has no entry (deleted peers leave nothing). */
  private final Map<String, Integer> polls = new ConcurrentHashMap<>();

  private final JoinService joins;
  private final JoinChallenges challenges;
  private final Credentials credentials;
  private final NetMapPublisher hub;
  private final StatusService statuses;
  private final MeshfedConfig config;
  private final FailedJoins failedJoins;
  private final KeyRotations keyRotations;
  private final AgentApiTls tls;
  private final LogStreams logs;
  private final Clock clock;
  private final FullMapWrites fullMaps;

  /** A full map's write that takes longer than this no longer holds its turn. */
  static final Duration FULL_MAP_TURN = Duration.ofMinutes(1);

  /** Polls that may wait for a full map's turn, per write at once; more come back later (429). */
  static final int FULL_MAP_WAITERS_PER_WRITE = 8;

  /**
   * A full map whose reader takes nothing for this long is dropped (the agent asks again) rather
   * than buffered: well inside the agent's own 45 s.
   */
  static final Duration SLOW_READER_PATIENCE = Duration.ofSeconds(30);

  public AgentApiResource(
      JoinService joins,
      JoinChallenges challenges,
      Credentials credentials,
      NetMapPublisher hub,
      StatusService statuses,
      MeshfedConfig config,
      KeyRotations keyRotations,
      @Identifier("agent-api") AgentApiTls tls,
      LogStreams logs,
      Clock clock) {
    this.clock = clock;
    this.fullMaps =
        new FullMapWrites(
            config.agentApi().fullMapWrites(),
            config.agentApi().fullMapWrites() * FULL_MAP_WAITERS_PER_WRITE,
            FULL_MAP_TURN,
            clock);
    this.logs = logs;
    this.tls = tls;
    this.keyRotations = keyRotations;
    this.failedJoins =
        new FailedJoins(
            config.agentApi().failedJoins().burst(), config.agentApi().failedJoins().perMinute());
    this.joins = joins;
    this.challenges = challenges;
    this.credentials = credentials;
    this.hub = hub;
    this.statuses = statuses;
    this.config = config;
  }

  @POST
  @Path("/join/challenge")
  @Operation(
      summary =
          "A challenge for the next join: an ephemeral X25519 key the join's proof of key"
              + " possession answers")
  public JoinChallenge challenge() {
    return challenges.issue();
  }

  @POST
  @Path("/join")
  @Operation(
      summary = "Join a mesh cluster with a cluster join token or a machine's bootstrap token")
  public JoinResponse join(JoinRequest request, @Context HttpServerRequest http) {
    String source = sourceOf(http);
    Optional<Duration> wait = failedJoins.waitFor(source, clock.instant());
    if (wait.isPresent()) {
      long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
      throw AgentApiException.tooMany(
              "TooManyFailedJoins",
              "too many failed joins from "
                  + source
                  + "; try again in "
                  + seconds
                  + " s (check the token and the agent's key)")
          .retryAfter(seconds);
    }
    try {
      return joins.join(request);
    } catch (AgentApiException e) {
      if (e.status() == 401 || e.status() == 403) {
        failedJoins.failed(source, clock.instant());
      }
      throw e;
    }
  }

  /** The client's address; an IPv6 client by its /64, which one host usually holds whole. */
  static String sourceOf(HttpServerRequest http) {
    SocketAddress remote = http == null ? null : http.remoteAddress();
    String host = remote == null || remote.hostAddress() == null ? "" : remote.hostAddress();
    if (host.contains(":")) {
      try {
        byte[] address = InetAddress.getByName(host).getAddress();
        Arrays.fill(address, 8, address.length, (byte) 0);
        return InetAddress.getByAddress(address).getHostAddress() + "/64";
      } catch (UnknownHostException e) {
        return host;
      }
    }
    return host;
  }

  @GET
  @Path("/netmap")
  @Blocking
  @Operation(
      summary =
          "The peer's network map: long-polls until it changes after version `since`;"
              + " 204 when nothing changed before the timeout")
  public Uni<Response> netmap(
      @HeaderParam("Authorization") String authorization,
      @QueryParam("peer") String peerName,
      @QueryParam("since") String since,
      @Context HttpServerResponse http) {
    Peer peer = credentials.authenticate(authorization, peerName);
    String key = peer.getMetadata().getNamespace() + "/" + peer.getMetadata().getName();
    if (polls.merge(key, 1, Integer::sum) > POLLS_PER_PEER) {
      pollEnded(key);
      throw AgentApiException.tooMany(
          "TooManyPolls",
          "peer "
              + key
              + " already has "
              + POLLS_PER_PEER
              + " long polls open; an agent needs one");
    }
    CompletableFuture<Optional<NetMapPublisher.Reply>> news =
        hub.poll(
                peer.getMetadata().getNamespace(),
                peer.getSpec().getClusterRef().getName(),
                peer.getMetadata().getName(),
                since,
                config.agentApi().longPollTimeout())
            .toCompletableFuture();
    AtomicReference<CompletableFuture<FullMapWrites.Turn>> turn = new AtomicReference<>();
    io.vertx.core.Context connection = Vertx.currentContext(); // this request's event loop
    // a reader waiting for this peer's output wakes the poll: nothing new on the map, only the
    // fetches (at the version the agent has)
    CompletableFuture<Response> answer =
        CompletableFuture.anyOf(news, logs.queued(key))
            .thenCompose(
                first -> {
                  List<LogFetch> fetches = news.isDone() ? List.of() : logs.take(key);
                  if (!fetches.isEmpty()) {
                    return CompletableFuture.completedFuture(
                        Response.ok(
                                NetMap.logFetchesOnly(since == null ? "" : since, fetches),
                                MediaType.APPLICATION_JSON)
                            .build());
                  }
                  return news.thenCompose(
                      reply ->
                          reply
                              .map(r -> response(r, turn, http, connection))
                              .orElseGet(
                                  () ->
                                      CompletableFuture.completedFuture(
                                          Response.noContent().build())));
                });
    return Uni.createFrom()
        .completionStage(answer)
        .eventually(
            () -> {
              pollEnded(key);
              logs.pollEnded(key);
              CompletableFuture<FullMapWrites.Turn> waiting = turn.get();
              if (waiting != null) {
                waiting.cancel(false); // ended while waiting for its turn: it gives up its place
              }
            });
  }

  /** A delta at once; a full map in its turn ({@link FullMapWrites}), given back once written. */
  private CompletableFuture<Response> response(
      NetMapPublisher.Reply reply,
      AtomicReference<CompletableFuture<FullMapWrites.Turn>> turn,
      HttpServerResponse http,
      io.vertx.core.Context connection) {
    if (!(reply instanceof NetMapPublisher.Full full)) {
      return CompletableFuture.completedFuture(
          Response.ok(((NetMapPublisher.Delta) reply).map(), MediaType.APPLICATION_JSON).build());
    }
    Optional<CompletableFuture<FullMapWrites.Turn>> queued = fullMaps.turn();
    if (queued.isEmpty()) {
      long seconds = fullMaps.comeBackInSeconds();
      return CompletableFuture.failedFuture(
          AgentApiException.tooMany(
                  "FullMapsBusy",
                  "many agents are fetching the whole map now; ask again in "
                      + seconds
                      + " s (the map is unchanged for you meanwhile)")
              .retryAfter(seconds));
    }
    CompletableFuture<FullMapWrites.Turn> next = queued.get();
    turn.set(next);
    return next.thenApply(
        granted ->
            Response.ok(
                    (StreamingOutput)
                        out -> {
                          try {
                            // the turn is given back when the map has left, not when it is queued
                            full.writeTo(
                                connection == null
                                    ? out
                                    : PacedOutput.paced(
                                        out, http, connection, SLOW_READER_PATIENCE));
                          } finally {
                            granted.done();
                          }
                        },
                    MediaType.APPLICATION_JSON)
                .build());
  }

  @POST
  @Path("/status")
  @Operation(summary = "The agent's heartbeat: resources, endpoints, WireGuard handshakes")
  public Response status(@HeaderParam("Authorization") String authorization, StatusReport report) {
    Peer peer = credentials.authenticate(authorization, report == null ? null : report.peer());
    Validation.status(report);
    statuses.accept(peer, report);
    // what the agent pins from now on: it learns a rotation's next CA before that CA signs
    Response.ResponseBuilder answer =
        Response.noContent().header(CaBundle.HEADER, CaBundle.format(tls.bundle().hashes()));
    long interval = statuses.shortestReportIntervalSeconds();
    return (interval > 0 ? answer.header(StatusReport.INTERVAL_HEADER, interval) : answer).build();
  }

  @POST
  @Path("/rotate-key")
  @Operation(
      summary =
          "Replace the peer's WireGuard key with a new one it proves it holds (as a join does);"
              + " every map then carries the new key")
  public KeyRotation.Accepted rotateKey(
      @HeaderParam("Authorization") String authorization, KeyRotation rotation) {
    Peer peer = credentials.authenticate(authorization, rotation == null ? null : rotation.peer());
    return keyRotations.rotate(peer, authorization.substring("Bearer ".length()), rotation);
  }

  private void pollEnded(String key) {
    polls.computeIfPresent(key, (k, open) -> open == 1 ? null : open - 1);
  }

  /** The agent API is HTTPS only: credentials never cross the wire in the clear. */
  @ServerRequestFilter(preMatching = true)
  public Response httpsOnly(HttpServerRequest request) {
    if (request.path().startsWith("/api/") && !request.isSSL()) {
      return Response.status(403)
          .type(MediaType.APPLICATION_JSON)
          .entity(new ApiError("HttpsRequired", "the agent API is served over HTTPS only"))
          .build();
    }
    return null;
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
