package io.meshfed.cli;

import io.meshfed.agent.PinnedTrust;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "troubleshoot",
    mixinStandardHelpOptions = true,
    description = {
      "Checks the cluster, like `linkerd check`; exit code 1 when a check fails.",
      "The operator at work, the agent API and its certificate, cloud credentials, peers and their handshakes,",
      "workloads that cannot be placed, the join token's expiry. Each check ✓, ! (warning) or ✗ with a hint."
    })
final class Troubleshoot implements Callable<Integer> {
  @ParentCommand KubectlMeshfed root;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "CLUSTER", description = "The MeshCluster's name.")
  String cluster;

  @Override
  public Integer call() {
    try (KubeReads client = root.reads()) {
      ClusterSnapshot snapshot = ClusterSnapshot.read(client, root.namespace(client), cluster);
      List<Checks.Check> checks =
          Checks.run(
              snapshot,
              Instant.now(),
              endpoint -> probe(endpoint, snapshot.cluster().getStatus().getCaHash()));
      var out = spec.commandLine().getOut();
      checks.forEach(c -> out.println(c.line()));
      List<String> connectivity = Checks.connectivity(snapshot);
      if (!connectivity.isEmpty()) {
        out.println();
        connectivity.forEach(out::println);
      }
      long failed = checks.stream().filter(c -> c.result() == Checks.Result.FAIL).count();
      out.println();
      out.println(
          failed == 0
              ? "everything checked is fine"
              : failed + " of " + checks.size() + " checks failed");
      out.flush();
      return failed == 0 ? 0 : 1;
    }
  }

  /**
   * Connects to the agent API and looks at its certificate as an agent would: it must chain to the
   * CA the cluster pins ({@code status.caHash}) and name the host, and be in date. The handshake
   * goes through either way (a probe sends nothing), so each problem gets its own message.
   */
  static Optional<String> probe(String endpoint, String caHash) {
    X509ExtendedTrustManager pinned;
    try {
      pinned = caHash == null ? null : PinnedTrust.of(caHash);
    } catch (IllegalArgumentException e) {
      return Optional.of(
          "the cluster's status.caHash " + caHash + " is not a sha256:<64 hex digits> pin");
    }
    try {
      URI uri = URI.create(endpoint);
      X509Certificate[] seen = new X509Certificate[1];
      String[] untrusted = new String[1];
      TrustManager judge =
          new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(
                X509Certificate[] chain, String authType, Socket socket) {
              seen[0] = chain[0];
              if (pinned != null) {
                try {
                  pinned.checkServerTrusted(chain, authType, socket);
                } catch (CertificateException e) {
                  untrusted[0] = e.getMessage();
                }
              }
            }

            @Override
            public void checkServerTrusted(
                X509Certificate[] chain, String authType, SSLEngine engine) {
              throw new UnsupportedOperationException("sockets only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
              throw new UnsupportedOperationException("sockets only");
            }

            @Override
            public void checkClientTrusted(
                X509Certificate[] chain, String authType, Socket socket) {}

            @Override
            public void checkClientTrusted(
                X509Certificate[] chain, String authType, SSLEngine engine) {}

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          };
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {judge}, null);
      try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.connect(
            new InetSocketAddress(uri.getHost(), uri.getPort() == -1 ? 443 : uri.getPort()),
            (int) Duration.ofSeconds(5).toMillis());
        socket.setSoTimeout(5000);
        socket.startHandshake();
      }
      if (seen[0] == null) {
        return Optional.of("no certificate");
      }
      Instant notAfter = seen[0].getNotAfter().toInstant();
      if (notAfter.isBefore(Instant.now())) {
        return Optional.of("its certificate expired at " + notAfter);
      }
      if (caHash == null) {
        return Optional.of(
            "the cluster has no status.caHash yet, so agents cannot trust any certificate");
      }
      if (untrusted[0] != null) {
        return Optional.of("agents would refuse its certificate: " + untrusted[0]);
      }
      if (notAfter.isBefore(Instant.now().plus(Duration.ofDays(7)))) {
        return Optional.of("its certificate expires at " + notAfter + " (within a week)");
      }
      return Optional.empty();
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      return Optional.of(
          "unreachable ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage())
              + ")");
    }
  }
}
