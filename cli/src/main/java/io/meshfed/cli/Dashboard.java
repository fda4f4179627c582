package io.meshfed.cli;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.Workload;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    description = {
      "A live page of the cluster on 127.0.0.1: peers by provider and region, every pair's path",
      "(direct, relayed via a gateway, none), workloads and where their replicas run, pools,",
      "conditions and events. It reads with your kubeconfig: what you may read is what it shows."
    })
final class Dashboard implements Callable<Integer> {
  /** Changes within this window go to the page as one document. */
  static final long COALESCE_MS = 250;

  @ParentCommand KubectlMeshfed root;

  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "CLUSTER",
      arity = "0..1",
      description = "The MeshCluster (default: the namespace's only one).")
  String cluster;

  @Option(names = "--port", defaultValue = "0", description = "Port on 127.0.0.1 (default: any).")
  int port;

  @Option(names = "--no-browser", description = "Print the address; do not open a browser.")
  boolean noBrowser;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (KubernetesClient client = root.client()) {
      String namespace = root.namespace(client);
      String name = cluster != null ? cluster : onlyCluster(client, namespace);
      List<SharedIndexInformer<?>> informers = new ArrayList<>();
      AtomicBoolean dirty = new AtomicBoolean(true);
      ResourceEventHandler<HasMetadata> changed = new Changed(dirty);
      var clusters =
          inform(
              informers,
              client.resources(MeshCluster.class).inNamespace(namespace).inform(changed));
      var peers =
          inform(informers, client.resources(Peer.class).inNamespace(namespace).inform(changed));
      var pools =
          inform(
              informers, client.resources(PeerPool.class).inNamespace(namespace).inform(changed));
      var workloads =
          inform(
              informers, client.resources(Workload.class).inNamespace(namespace).inform(changed));
      // what the user may not read, the page goes without: Leases (last seen), Events
      SharedIndexInformer<Lease> leases =
          optional(
              informers,
              () ->
                  client
                      .leases()
                      .inNamespace(namespace)
                      .withLabel(MeshfedApi.PEER_LABEL)
                      .inform(changed));
      SharedIndexInformer<Event> events =
          optional(informers, () -> client.v1().events().inNamespace(namespace).inform(changed));

      AtomicReference<String> document = new AtomicReference<>();
      Runnable build =
          () -> {
            ClusterSnapshot snapshot;
            try {
              snapshot =
                  ClusterSnapshot.of(
                      namespace,
                      name,
                      clusters.getStore().list(),
                      peers.getStore().list(),
                      pools.getStore().list(),
                      workloads.getStore().list(),
                      leases == null
                          ? Map.of()
                          : ClusterSnapshot.leasesSeen(leases.getStore().list()));
            } catch (KubectlMeshfed.NotFound gone) {
              document.set(DashboardServer.json(Map.of("error", gone.getMessage())));
              return;
            }
            document.set(
                DashboardServer.json(
                    DashboardView.of(
                        snapshot,
                        events == null ? List.of() : events.getStore().list(),
                        Instant.now())));
          };
      build.run();
      try (DashboardServer server = new DashboardServer(port, document::get)) {
        ScheduledExecutorService publisher =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "dashboard-publish");
                  t.setDaemon(true);
                  return t;
                });
        publisher.scheduleWithFixedDelay(
            () -> {
              if (dirty.getAndSet(false)) {
                try {
                  build.run();
                  server.publish(document.get());
                } catch (RuntimeException e) {
                  dirty.set(true); // a cache mid-update: the next round builds again
                }
              }
            },
            COALESCE_MS,
            COALESCE_MS,
            TimeUnit.MILLISECONDS);
        out.println("meshfed dashboard of " + namespace + "/" + name + ": " + server.url());
        out.println("(Ctrl-C stops it)");
        out.flush();
        if (!noBrowser) {
          Browser.open(server.url());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "dashboard-stop"));
        stopped.await();
        publisher.shutdownNow();
      } finally {
        informers.forEach(SharedIndexInformer::close);
      }
    }
    return 0;
  }

  private static String onlyCluster(KubernetesClient client, String namespace) {
    List<String> names =
        client.resources(MeshCluster.class).inNamespace(namespace).list().getItems().stream()
            .map(c -> c.getMetadata().getName())
            .sorted()
            .toList();
    if (names.size() == 1) {
      return names.get(0);
    }
    throw new KubectlMeshfed.NotFound(
        names.isEmpty()
            ? "no MeshCluster in namespace " + namespace
            : "name the cluster: namespace " + namespace + " has " + String.join(", ", names));
  }

  private static <T> SharedIndexInformer<T> inform(
      List<SharedIndexInformer<?>> all, SharedIndexInformer<T> informer) {
    all.add(informer);
    return informer;
  }

  private static <T> SharedIndexInformer<T> optional(
      List<SharedIndexInformer<?>> all, Supplier<SharedIndexInformer<T>> start) {
    try {
      return inform(all, start.get());
    } catch (KubernetesClientException forbidden) {
      return null;
    }
  }

  /** Any change marks the document stale; the publisher rebuilds it at most every 250 ms. */
  private record Changed(AtomicBoolean dirty) implements ResourceEventHandler<HasMetadata> {
    @Override
    public void onAdd(HasMetadata obj) {
      dirty.set(true);
    }

    @Override
    public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
      dirty.set(true);
    }

    @Override
    public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
      dirty.set(true);
    }
  }

  /** Opens the page where a desktop is at hand; the printed address is enough otherwise. */
  static final class Browser {
    private Browser() {}

    static void open(String url) {
      boolean desktop =
          System.getenv("DISPLAY") != null
              || System.getenv("WAYLAND_DISPLAY") != null
              || System.getProperty("os.name", "").startsWith("Mac");
      if (!desktop) {
        return;
      }
      String opener = System.getProperty("os.name", "").startsWith("Mac") ? "open" : "xdg-open";
      try {
        new ProcessBuilder(opener, url)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
      } catch (IOException noOpener) {
        // the address is printed
      }
    }
  }
}
