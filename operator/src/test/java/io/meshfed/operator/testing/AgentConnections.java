package io.meshfed.operator.testing;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the agent API's server saw of each credential's requests: over which connection and which
 * HTTP version. For tests that assert how agents use their connections; records, passes on.
 */
@ApplicationScoped
public class AgentConnections {
  /** One request as it arrived. */
  public record Seen(String path, HttpVersion version, HttpConnection connection) {}

  private static final Map<String, List<Seen>> BY_CREDENTIAL = new ConcurrentHashMap<>();

  void routes(@Observes Router router) {
    router
        .route("/api/v1/*")
        .order(-200) // before forwarding and the body limits
        .handler(
            context -> {
              String authorization = context.request().getHeader("Authorization");
              if (authorization != null && authorization.startsWith("Bearer ")) {
                BY_CREDENTIAL
                    .computeIfAbsent(
                        authorization.substring("Bearer ".length()),
                        c -> new CopyOnWriteArrayList<>())
                    .add(
                        new Seen(
                            context.request().path(),
                            context.request().version(),
                            context.request().connection()));
              }
              context.next();
            });
  }

  /** The requests made with this credential, in the order they arrived. */
  public static List<Seen> of(String credential) {
    return List.copyOf(BY_CREDENTIAL.getOrDefault(credential, List.of()));
  }
}
