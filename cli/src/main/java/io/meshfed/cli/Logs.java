package io.meshfed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.ApiError;
import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.api.v1alpha1.LogRequestSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Workload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl meshfed logs}: a replica's output. It makes a LogRequest (which Kubernetes
 * authorizes: who may create one in a namespace may read its workloads' logs) holding the SHA-256
 * of a ticket it keeps, then reads the output from the operator's agent API with the ticket; the
 * replica's agent sends it there. The request is deleted when the command ends.
 */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a workload replica's output (stdout and stderr), as its peer's agent keeps it.",
      "",
      "  kubectl meshfed logs hello                 the lowest-numbered replica",
      "  kubectl meshfed logs hello --replica 1 -f  follow replica 1",
      "  kubectl meshfed logs hello --previous      the run before its last restart"
    })
final class Logs implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  @ParentCommand KubectlMeshfed root;

  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "The Workload.")
  String workload;

  @Option(
      names = "--replica",
      description = "The replica's index (default: the lowest-numbered one placed).")
  Integer replica;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing the output as the replica writes it.")
  boolean follow;

  @Option(names = "--tail", description = "Only the last lines (default: all that is kept).")
  Integer tail;

  @Option(
      names = {"-p", "--previous"},
      description = "The output of the replica's run before its last restart.")
  boolean previous;

  @Option(
      names = "--server",
      description =
          "The agent API's URL (default: the cluster's status.endpoint, where agents reach it).")
  String server;

  @Override
  public Integer call() throws Exception {
    if (tail != null && tail < 0) {
      throw new IllegalArgumentException("--tail takes a number of lines, 0 or more");
    }
    try (KubernetesClient client = root.client()) {
      String namespace = root.namespace(client);
      Workload found =
          client.resources(Workload.class).inNamespace(namespace).withName(workload).get();
      if (found == null) {
        throw new KubectlMeshfed.NotFound("no workload " + workload + " in namespace " + namespace);
      }
      String clusterName = found.getSpec().getClusterRef().getName();
      MeshCluster cluster =
          client.resources(MeshCluster.class).inNamespace(namespace).withName(clusterName).get();
      if (cluster == null
          || cluster.getStatus() == null
          || cluster.getStatus().getCaHash() == null
          || (server == null && cluster.getStatus().getEndpoint() == null)) {
        throw new KubectlMeshfed.NotFound(
            "cluster "
                + clusterName
                + " of workload "
                + workload
                + " has no agent API endpoint in its status yet: is the operator running?");
      }
      String ticket = ticket();
      LogRequest request = client.resource(request(namespace, ticket)).create();
      Thread cleanup =
          new Thread(() -> delete(client, request), "delete-" + request.getMetadata().getName());
      Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C while following
      try {
        return read(
            server == null ? cluster.getStatus().getEndpoint() : server,
            cluster.getStatus().getCaHash(),
            namespace,
            request.getMetadata().getName(),
            ticket);
      } finally {
        delete(client, request);
        try {
          Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
          // the hook runs (or ran) already
        }
      }
    }
  }

  private LogRequest request(String namespace, String ticket) {
    LogRequest request = new LogRequest();
    request.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(namespace)
            .withGenerateName(workload + "-logs-")
            .build());
    LogRequestSpec logs = new LogRequestSpec();
    logs.setWorkload(workload);
    logs.setReplica(replica);
    logs.setFollow(follow ? true : null);
    logs.setTailLines(tail);
    logs.setPrevious(previous ? true : null);
    logs.setTicketHash(LogRequestSpec.hashOf(ticket));
    request.setSpec(logs);
    return request;
  }

  private int read(String endpoint, String caHash, String namespace, String request, String ticket)
      throws IOException, InterruptedException {
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(PinnedTrust.context(caHash))
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    URI uri =
        URI.create(
            (endpoint.endsWith("/") ? endpoint : endpoint + "/")
                + "api/v1/logs/requests/"
                + namespace
                + "/"
                + request);
    HttpResponse<InputStream> response =
        http.send(
            HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + ticket).GET().build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
        String message;
        try {
          ApiError error = JSON.readValue(text, ApiError.class);
          message = error.message() + " (" + error.reason() + ")";
        } catch (IOException notJson) {
          message = "HTTP " + response.statusCode() + ": " + text;
        }
        throw new IllegalStateException(message);
      }
      PrintStream out = System.out;
      copy(body, out);
      return 0;
    }
  }

  /** As it comes: a followed replica's lines show when it writes them. */
  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[16 * 1024];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
      out.flush();
    }
  }

  private static void delete(KubernetesClient client, LogRequest request) {
    try {
      client.resource(request).delete();
    } catch (RuntimeException e) {
      // the operator deletes what is left after its retention
    }
  }

  static String ticket() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
