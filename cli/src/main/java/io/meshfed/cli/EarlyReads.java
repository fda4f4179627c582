package io.meshfed.cli;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The read path of describe and troubleshoot, started by {@code main} before picocli has parsed the
 * command line: the kubeconfig and the HTTP client's TLS set-up on one thread, Jackson's readers
 * for the snapshot's kinds on another, while the main thread builds the command line (together
 * about half a second of a cold JVM; bench/RESULTS.md). The command takes the client only when its
 * parsed options name the same kubeconfig and context; otherwise, or when the early start failed,
 * it builds its own and reports any error itself.
 */
final class EarlyReads {
  private final Path kubeconfig;
  private final String context;
  private final CompletableFuture<KubeReads> reads;

  private EarlyReads(Path kubeconfig, String context) {
    this.kubeconfig = kubeconfig;
    this.context = context;
    this.reads = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                reads.complete(new KubeReads(KubectlMeshfed.config(kubeconfig, context)));
              } catch (Exception | LinkageError e) {
                reads.completeExceptionally(e);
              }
            },
            "early-reads");
    thread.setDaemon(true);
    thread.start();
  }

  /** Starts the read path for these arguments' kubeconfig and context (global options only). */
  static EarlyReads start(String[] args) {
    KubeReads.prepare(ClusterSnapshot.KINDS);
    String file = KubectlMeshfed.globalOption(args, "--kubeconfig");
    return new EarlyReads(
        file == null ? null : Path.of(file), KubectlMeshfed.globalOption(args, "--context"));
  }

  /** The client started early when it is for this kubeconfig and context and came up; else null. */
  KubeReads take(Path kubeconfig, String context) {
    if (!Objects.equals(this.kubeconfig, kubeconfig) || !Objects.equals(this.context, context)) {
      reads.thenAccept(KubeReads::close);
      return null;
    }
    try {
      return reads.join();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
