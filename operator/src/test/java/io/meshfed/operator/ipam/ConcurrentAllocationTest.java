package io.meshfed.operator.ipam;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.Interceptor.RequestTags;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.coordinator.ClusterCoordinators;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** IPAM under contention, with the API server as the only arbiter. */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class ConcurrentAllocationTest {

  @Test
  void twoHundredPeersCreatedAtOnceGetTwoHundredSubnets() throws Exception {
    try (KubernetesClient client = KubeApiServerResource.client()) {
      String ns = freshNamespace(client, "ipam-burst");
      client.resource(cluster(ns, "burst", "100.64.0.0/16", 24)).create();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<?>> creations = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          Peer peer = peer(ns, "peer-" + i, "burst", ProviderType.STATIC);
          creations.add(pool.submit(() -> client.resource(peer).create()));
        }
        for (Future<?> f : creations) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }

      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () -> {
                List<Peer> peers = client.resources(Peer.class).inNamespace(ns).list().getItems();
                assertThat(peers)
                    .hasSize(200)
                    .allSatisfy(
                        p ->
                            assertThat(p.getStatus())
                                .isNotNull()
                                .satisfies(s -> assertThat(s.getSubnet()).isNotNull()));
              });
      List<Peer> peers = client.resources(Peer.class).inNamespace(ns).list().getItems();
      Map<String, List<String>> bySubnet =
          peers.stream()
              .collect(
                  Collectors.groupingBy(
                      p -> p.getStatus().getSubnet(),
                      Collectors.mapping(p -> p.getMetadata().getName(), Collectors.toList())));
      assertThat(bySubnet)
          .as("subnets held by more than one peer")
          .allSatisfy((subnet, holders) -> assertThat(holders).hasSize(1));
      // the table in the API agrees with every peer's status
      Map<String, String> table =
          client
              .configMaps()
              .inNamespace(ns)
              .withName(SubnetAllocator.configMapName("burst"))
              .get()
              .getData();
      assertThat(table).hasSize(200);
      peers.forEach(
          p ->
              assertThat(table.get(p.getStatus().getSubnet().replace('/', '_')))
                  .isEqualTo(p.getMetadata().getUid() + "/" + p.getMetadata().getName()));
    }
  }

  /**
   * Allocations that wait while another is written go out together: one write per block for all of
   * them, not one compare-and-swap each (which bounded joins). The API server's writes are slowed
   * here so that the others arrive while the first is written, as they do under load.
   */
  @Test
  void allocationsThatWaitedForAWriteAreCommittedTogether() throws Exception {
    AtomicInteger tableWrites = new AtomicInteger();
    Interceptor slowTableWrites =
        new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            if (!request.method().equals("GET")
                && request.uri().getPath().contains("/configmaps")) {
              tableWrites.incrementAndGet();
              try {
                Thread.sleep(300);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    try (KubernetesClient setup = KubeApiServerResource.client();
        KubernetesClient slow =
            new KubernetesClientBuilder()
                .withConfig(setup.getConfiguration())
                .withHttpClientBuilderConsumer(
                    builder ->
                        builder.addOrReplaceInterceptor("slow-table-writes", slowTableWrites))
                .build()) {
      String ns = freshNamespace(setup, "ipam-group");
      MeshCluster cluster = setup.resource(cluster(ns, "group", "100.81.0.0/20", 28)).create();
      SubnetAllocator allocator = new SubnetAllocator(slow, 3, new ClusterCoordinators());
      Map<String, String> subnetOfPeer = new ConcurrentHashMap<>();
      atOnce(
          16,
          16,
          i -> {
            Peer peer = syntheticPeer(ns, i);
            var result = allocator.allocate(cluster, peer);
            assertThat(result).isInstanceOf(SubnetAllocator.Allocated.class);
            subnetOfPeer.put(
                peer.getMetadata().getName(), ((SubnetAllocator.Allocated) result).subnet());
          });
      assertThat(subnetOfPeer.values()).hasSize(16).doesNotHaveDuplicates();
      assertThat(tableWrites.get())
          .as("16 allocations at once: the first alone, the rest waiting behind it together")
          .isLessThanOrEqualTo(3);
      assertThat(
              SubnetAllocator.blocksOf(setup, ns, "group").stream()
                  .mapToInt(block -> block.getData().size())
                  .sum())
          .as("every allocation is in the table")
          .isEqualTo(16);
    }
  }

  @Test
  void twoAllocatorsWithTheirOwnClientsNeverHandOutOneSubnetTwice() throws Exception {
    try (KubernetesClient setup = KubeApiServerResource.client();
        KubernetesClient replicaA = KubeApiServerResource.client();
        KubernetesClient replicaB = KubeApiServerResource.client()) {
      String ns = freshNamespace(setup, "ipam-race");
      // the cluster exists only as the allocator's input: no operator acts on this namespace's
      // peers
      MeshCluster cluster = setup.resource(cluster(ns, "race", "100.80.0.0/20", 28)).create();
      // few retries, so that losers really lose and come back, as a reconcile would
      List<SubnetAllocator> allocators =
          List.of(
              new SubnetAllocator(replicaA, 3, new ClusterCoordinators()),
              new SubnetAllocator(replicaB, 3, new ClusterCoordinators()));
      Map<String, String> subnetOfPeer = new ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(12);
      try {
        List<Future<?>> work =
            IntStream.range(0, 150)
                .mapToObj(
                    i ->
                        pool.submit(
                            () -> {
                              Peer peer = new Peer();
                              peer.setMetadata(
                                  new ObjectMetaBuilder()
                                      .withNamespace(ns)
                                      .withName("p" + i)
                                      .withUid("uid-" + i)
                                      .build());
                              SubnetAllocator allocator = allocators.get(i % 2);
                              while (true) {
                                SubnetAllocator.Result result = allocator.allocate(cluster, peer);
                                if (result instanceof SubnetAllocator.Allocated a) {
                                  // asking again returns the same subnet: allocation is idempotent
                                  // per peer
                                  assertThat(allocators.get((i + 1) % 2).allocate(cluster, peer))
                                      .isEqualTo(a);
                                  subnetOfPeer.put("p" + i, a.subnet());
                                  return null;
                                }
                                assertThat(result).isInstanceOf(SubnetAllocator.Contended.class);
                              }
                            }))
                .collect(Collectors.toList());
        for (Future<?> f : work) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      assertThat(subnetOfPeer).hasSize(150);
      assertThat(subnetOfPeer.values().stream().distinct().count()).isEqualTo(150);
      // 256 subnets in a /20 of /28s; the lowest ones are used first
      assertThat(subnetOfPeer.values())
          .allSatisfy(
              s -> assertThat(SubnetPlan.of("100.80.0.0/20", 28).indexOf(s)).isBetween(0L, 149L));
    }
  }

  @Test
  void aLargeTableIsKeptInBlocksSoNoObjectGrowsWithTheCluster() throws Exception {
    try (KubernetesClient setup = KubeApiServerResource.client();
        KubernetesClient replica = KubeApiServerResource.client()) {
      String ns = freshNamespace(setup, "ipam-blocks");
      MeshCluster cluster = setup.resource(cluster(ns, "big", "100.96.0.0/16", 28)).create();
      int peers = 2 * SubnetAllocator.BLOCK + 40;
      Map<String, String> subnetOfPeer = new ConcurrentHashMap<>();
      SubnetAllocator allocator = new SubnetAllocator(replica, 5, new ClusterCoordinators());
      atOnce(
          8,
          peers,
          i -> {
            Peer peer = syntheticPeer(ns, i);
            SubnetAllocator.Result result;
            do {
              result = allocator.allocate(cluster, peer);
            } while (result instanceof SubnetAllocator.Contended);
            subnetOfPeer.put(
                peer.getMetadata().getName(), ((SubnetAllocator.Allocated) result).subnet());
          });
      assertThat(subnetOfPeer.values().stream().distinct().count()).isEqualTo(peers);
      List<io.fabric8.kubernetes.api.model.ConfigMap> blocks =
          SubnetAllocator.blocksOf(setup, ns, "big");
      assertThat(blocks)
          .extracting(b -> b.getMetadata().getName())
          .containsExactlyInAnyOrder(
              SubnetAllocator.blockName("big", 0),
              SubnetAllocator.blockName("big", 1),
              SubnetAllocator.blockName("big", 2));
      assertThat(blocks).allSatisfy(b -> assertThat(b.getData()).hasSizeLessThanOrEqualTo(512));
      assertThat(blocks.stream().mapToInt(b -> b.getData().size()).sum()).isEqualTo(peers);

      // another replica (its own memory) reads the blocks: the same subnets, and a release lands
      // in the block that holds the peer
      SubnetAllocator other = new SubnetAllocator(setup, 5, new ClusterCoordinators());
      Peer last = syntheticPeer(ns, peers - 1);
      assertThat(other.allocate(cluster, last))
          .isEqualTo(allocator.allocate(cluster, last))
          .extracting(a -> ((SubnetAllocator.Allocated) a).subnet())
          .isEqualTo(subnetOfPeer.get("p" + (peers - 1)));
      assertThat(other.release(cluster, last)).isTrue();
      String subnet = subnetOfPeer.get("p" + (peers - 1));
      String key = subnet.replace('/', '_');
      long block = SubnetPlan.of("100.96.0.0/16", 28).indexOf(subnet) / SubnetAllocator.BLOCK;
      assertThat(
              setup
                  .configMaps()
                  .inNamespace(ns)
                  .withName(SubnetAllocator.blockName("big", block))
                  .get()
                  .getData()
                  .get(key))
          .startsWith("released/");
    }
  }

  /** Runs task 0 … count-1 on that many threads at once and waits for all (a failure fails). */
  private static void atOnce(int threads, int count, IntConsumer task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int index = i;
        work.add(pool.submit(() -> task.accept(index)));
      }
      for (Future<?> f : work) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static Peer syntheticPeer(String ns, int i) {
    Peer peer = new Peer();
    peer.setMetadata(
        new ObjectMetaBuilder().withNamespace(ns).withName("p" + i).withUid("uid-" + i).build());
    return peer;
  }
}
