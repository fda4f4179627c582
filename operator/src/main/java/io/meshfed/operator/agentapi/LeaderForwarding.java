package io.meshfed.operator.agentapi;

import io.meshfed.api.agent.ApiError;
import io.meshfed.operator.config.AgentApiRouting;
import io.meshfed.operator.directory.AgentDirectory;
import io.meshfed.operator.server.AgentApiTls;
import io.meshfed.operator.server.Certificates;
import io.meshfed.operator.support.DaemonThreads;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpsServerStart;
import io.smallrye.common.annotation.Identifier;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.Json;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * A standby's agent API passes on, unchanged, the requests whose answer lives in the leader's
 * memory — status reports (health, relays, workload replicas), key rotations and log streams — to
 * the leader's address ({@link AgentApiRouting#leaderAddress}); everything else (joins, long polls
 * for maps, the bootstrap files) it answers itself from its own caches (decision 0026). The agent's
 * credential travels with the request: the leader checks it as if the agent had come itself.
 *
 * <p>Replicas talk over a pool of kept-alive HTTP/1.1 connections ({@value #CONNECTIONS}), trusting
 * the agent API's CA only. Not HTTP/2: under the failover benchmark's load the leader reset streams
 * of the one connection, and Vert.x closes an HTTP/2 connection that receives 200 resets in 30 s
 * (its rapid-reset protection) with every forwarded request on it — hundreds of times per run, not
 * understood yet; the host name is not checked, because a replica is reached at its pod's address,
 * which no certificate names, and only replicas hold a key that CA signed.
 */
@Singleton
public class LeaderForwarding {
  private static final Logger LOG = Logger.getLogger(LeaderForwarding.class);

  /** Set on a passed-on request: the receiver never passes it on again. */
  public static final String FORWARDED_BY = "Meshfed-Forwarded-By";

  /** Paths whose answer only the leader has. */
  private static final List<String> LEADERS_PATHS =
      List.of("/api/v1/status", "/api/v1/rotate-key", "/api/v1/logs/");

  /**
   * Headers of one connection, never passed on (RFC 9110 §7.6.1), and the host. The length stays:
   * the body passes unchanged, and the leader refuses small operations that do not say it.
   */
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "transfer-encoding",
          "te",
          "trailer",
          "upgrade",
          "host");

  /** Connections a standby keeps to the leader: reports in flight at once, at the most. */
  static final int CONNECTIONS = 64;

  /** The largest body passed on: Quarkus' own limit, which the leader applies too. */
  static final long MAX_BODY = 10 * 1024 * 1024;

  /** How long a standby's caller waits before asking again when no leader can be reached. */
  static final int RETRY_AFTER_SECONDS = 2;

  private final AgentApiRouting routing;
  private final AgentDirectory directory;
  private final AgentApiTls tls;
  private final Vertx vertx;
  private volatile HttpClient leader;
  private volatile boolean listening;
  private final ScheduledExecutorService readiness =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("agent-api-readiness"));

  private final MeterRegistry metrics;

  public LeaderForwarding(
      AgentApiRouting routing,
      AgentDirectory directory,
      @Identifier("agent-api") AgentApiTls tls,
      Vertx vertx,
      MeterRegistry metrics) {
    this.metrics = metrics;
    this.routing = routing;
    this.directory = directory;
    this.tls = tls;
    this.vertx = vertx;
  }

  void start(@Observes StartupEvent start) {
    readiness.scheduleWithFixedDelay(this::readyOnceSynced, 0, 200, TimeUnit.MILLISECONDS);
    if (routing.everyReplicaServes()) {
      tls.onBundleChange(this::reconnect); // a rotated CA signs the leader's next certificate
    }
  }

  void stop(@Observes ShutdownEvent stop) {
    readiness.shutdownNow();
    HttpClient client = leader;
    if (client != null) {
      client.close();
    }
  }

  /** Quarkus fires it asynchronously once the HTTPS server listens. */
  void listening(@ObservesAsync HttpsServerStart start) {
    listening = true;
  }

  /** Agents may come once the agent API listens and the maps hold what the API server holds. */
  private void readyOnceSynced() {
    if (listening && directory.synced()) {
      routing.mapsReady();
      readiness.shutdown();
    }
  }

  void routes(@Observes Router router) {
    // before Quarkus REST, which would read the body for the resource
    router.route().order(-100).handler(this::handle);
  }

  static boolean leadersPath(String path) {
    return path != null && LEADERS_PATHS.stream().anyMatch(path::startsWith);
  }

  private void handle(RoutingContext context) {
    HttpServerRequest request = context.request();
    if (!leadersPath(request.path()) || routing.holdsReports() || !routing.everyReplicaServes()) {
      context.next();
      return;
    }
    if (request.method() != HttpMethod.GET) {
      long length = contentLength(request);
      if (length < 0) {
        refuse(context, 411, "LengthRequired", "send the body with its Content-Length");
        return;
      }
      if (length > MAX_BODY) {
        refuse(context, 413, "BodyTooLarge", "the body is larger than " + MAX_BODY + " bytes");
        return;
      }
    }
    // the body whole (its length is known and bounded), then sent with the headers in one go
    request.body().onSuccess(body -> passOn(context, body));
    request.resume(); // the router paused it until a handler reads it
  }

  private void passOn(RoutingContext context, Buffer body) {
    HttpServerRequest request = context.request();
    if (request.getHeader(FORWARDED_BY) != null) {
      // passed on by a replica that took this one for the leader: the Lease moved meanwhile
      refuse(context, 503, "NotLeader", "this replica no longer leads; ask again");
      counted("not_leader");
      return;
    }
    Optional<String> address = routing.leaderAddress();
    if (address.isEmpty()) {
      refuse(context, 503, "NoLeader", "no operator replica leads now; ask again");
      counted("no_leader");
      return;
    }
    RequestOptions options =
        new RequestOptions()
            .setMethod(request.method())
            .setAbsoluteURI(address.get().replaceAll("/+$", "") + request.uri())
            .setHeaders(passedOn(request.headers()))
            .putHeader(FORWARDED_BY, routing.pod().orElse("standby"));
    HttpServerResponse response = context.response();
    client()
        .request(options)
        .compose(
            out -> {
              response.closeHandler(closed -> out.reset()); // the agent went: so does the stream
              // a reset or a closed connection fails the send, which answers for it
              out.exceptionHandler(e -> LOG.debugf("passing %s on: %s", request.path(), e));
              return body.length() == 0 ? out.send() : out.send(body);
            })
        .onSuccess(
            answer -> {
              counted("passed");
              relay(answer, response);
            })
        .onFailure(
            e -> {
              LOG.debugf("passing %s on to the leader at %s: %s", request.path(), address.get(), e);
              counted("unreachable");
              if (!response.headWritten()) {
                refuse(
                    context,
                    503,
                    "LeaderUnreachable",
                    "the leading replica did not answer (" + e.getMessage() + "); ask again");
              } else {
                response.reset();
              }
            });
  }

  private static void relay(HttpClientResponse answer, HttpServerResponse response) {
    // the agent went while the answer came: the pipe below ends, the reset is no error
    answer.exceptionHandler(e -> LOG.debugf("passing an answer back: %s", e));
    if (response.closed()) {
      answer.request().reset();
      return;
    }
    response.setStatusCode(answer.statusCode());
    answer
        .headers()
        .forEach(
            (name, value) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                response.headers().add(name, value);
              }
            });
    if (answer.getHeader("content-length") == null) {
      response.setChunked(true); // a log stream: written as it comes
    }
    answer.pipeTo(response);
  }

  /** meshfed_agent_api_forwarded_total{outcome}: a standby's requests for the leader. */
  private void counted(String outcome) {
    metrics.counter("meshfed.agent.api.forwarded", "outcome", outcome).increment();
  }

  /** The request's Content-Length; -1 when it has none or it is not a number. */
  private static long contentLength(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    try {
      return length == null ? -1 : Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static MultiMap passedOn(MultiMap headers) {
    MultiMap copy = MultiMap.caseInsensitiveMultiMap();
    headers.forEach(
        (name, value) -> {
          if (!HOP_BY_HOP.contains(name.toLowerCase())) {
            copy.add(name, value);
          }
        });
    return copy;
  }

  private static void refuse(RoutingContext context, int status, String reason, String message) {
    HttpServerResponse response = context.response();
    if (status == 411 || status == 413) {
      if (context.request().version() != HttpVersion.HTTP_2) {
        // the body was not read: end the connection rather than read it
        response.putHeader("Connection", "close");
      }
    } else {
      response.putHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(Json.encode(new ApiError(reason, message))));
  }

  private HttpClient client() {
    HttpClient client = leader;
    if (client == null) {
      synchronized (this) {
        client = leader;
        if (client == null) {
          client = vertx.createHttpClient(options());
          leader = client;
        }
      }
    }
    return client;
  }

  private HttpClientOptions options() {
    PemTrustOptions trust = new PemTrustOptions();
    tls.bundle().trusted().forEach(ca -> trust.addCertValue(Buffer.buffer(Certificates.pem(ca))));
    return new HttpClientOptions()
        .setSsl(true)
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setKeepAlive(true)
        .setMaxPoolSize(CONNECTIONS)
        .setVerifyHost(false)
        .setTrustOptions(trust)
        .setConnectTimeout(5_000);
  }

  private synchronized void reconnect() {
    HttpClient old = leader;
    leader = null;
    if (old != null) {
      vertx.setTimer(60_000, t -> old.close()); // requests on the old connection may finish
    }
  }
}
