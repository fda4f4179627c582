package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.crd.CrdInstaller;
import io.meshfed.api.v1alpha1.AgentStatus;
import io.meshfed.api.v1alpha1.AutoscalingSpec;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.HandshakeSummary;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.MeshClusterStatus;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerAddresses;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerPoolSpec;
import io.meshfed.api.v1alpha1.PeerPoolStatus;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.api.v1alpha1.WorkloadStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plugin against a real kube-apiserver + etcd, on a cluster prepared with the statuses an
 * operator would have written (no operator runs here: what these commands read and write is the
 * API's objects).
 */
class KubectlMeshfedTest {
  static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  static KubeAPIServer server;
  static KubernetesClient client;
  static Path kubeconfig;
  String ns;
  static int namespaces;

  @BeforeAll
  static void start() throws Exception {
    server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .build());
    server.start();
    client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml()))
            .build();
    CrdInstaller.install(client, Path.of(System.getProperty("meshfed.crds", "../crds")));
    kubeconfig = Files.createTempFile("kubeconfig", ".yaml");
    Files.writeString(kubeconfig, server.getKubeConfigYaml());
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.stop();
    }
    if (kubeconfig != null) {
      Files.deleteIfExists(kubeconfig);
    }
  }

  @BeforeEach
  void prepare() {
    ns = "team-" + (++namespaces);
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    MeshCluster cluster = new MeshCluster();
    cluster.getMetadata().setName("prod");
    MeshClusterSpec spec = new MeshClusterSpec();
    NetworkSpec network = new NetworkSpec();
    network.setCidr("100.64.0.0/16");
    spec.setNetwork(network);
    cluster.setSpec(spec);
    cluster = client.resource(cluster).inNamespace(ns).create();
    MeshClusterStatus status = new MeshClusterStatus();
    status.setPhase("Ready");
    status.setEndpoint("https://mesh.example.com:8443");
    status.setCapacity(new ResourceAmounts(new Quantity("6"), new Quantity("12Gi")));
    status.setAllocated(new ResourceAmounts(new Quantity("1500m"), new Quantity("1Gi")));
    cluster.setStatus(status);
    client.resource(cluster).updateStatus();

    PeerPool pool = new PeerPool();
    pool.getMetadata().setName("prod-aws");
    PeerPoolSpec poolSpec = new PeerPoolSpec();
    poolSpec.setClusterRef(new ClusterReference("prod"));
    poolSpec.setProvider(ProviderType.AWS);
    poolSpec.setInstanceType("t3.large");
    poolSpec.setReplicas(2);
    pool.setSpec(poolSpec);
    pool = client.resource(pool).inNamespace(ns).create();
    PeerPoolStatus poolStatus = new PeerPoolStatus();
    poolStatus.setReplicas(2);
    poolStatus.setDesiredReplicas(2);
    poolStatus.setReadyReplicas(1);
    pool.setStatus(poolStatus);
    client.resource(pool).updateStatus();

    peer(
        "office",
        ProviderType.STATIC,
        null,
        PeerPhase.READY,
        "198.18.0.10",
        "100.64.0.1",
        "Healthy",
        "10s");
    peer(
        "prod-aws-0",
        ProviderType.AWS,
        pool,
        PeerPhase.READY,
        "54.1.2.3",
        "100.64.1.1",
        "Healthy",
        "3s");
    peer("prod-aws-1", ProviderType.AWS, pool, PeerPhase.JOINING, null, null, null, null);

    workload("web", 2, List.of("office", "prod-aws-0"), null);
    workload(
        "huge",
        1,
        List.of(),
        new ConditionBuilder()
            .withType("Scheduled")
            .withStatus("False")
            .withReason("NoResourcesAvailable")
            .withMessage("1 of 1 replicas cannot be placed: each needs cpu 64")
            .build());
  }

  @Test
  void describeShowsTheClusterAtAGlance() throws Exception {
    // office's agent reported 2 s ago (its Lease); its status was refreshed 10 s ago
    client
        .leases()
        .inNamespace(ns)
        .resource(
            new LeaseBuilder()
                .withNewMetadata()
                .withName("office-meshfed-agent")
                .addToLabels(MeshfedApi.PEER_LABEL, "office")
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity("office")
                .withRenewTime(NOW.minusSeconds(2).atZone(ZoneOffset.UTC))
                .endSpec()
                .build())
        .create();
    ClusterSnapshot snapshot = ClusterSnapshot.read(client, ns, "prod");
    String text = DescribeView.text(snapshot, NOW, false).replace(ns + "/", "<ns>/");
    assertThat(text).isEqualTo(Files.readString(Path.of("src/test/resources/golden/describe.txt")));

    Result json = run("describe", "prod", "-o", "json");
    assertThat(json.exit()).as(json.err()).isZero();
    JsonNode doc = new ObjectMapper().readTree(json.out());
    assertThat(doc.at("/cluster/metadata/name").asText()).isEqualTo("prod");
    assertThat(doc.get("peers")).hasSize(3);
    assertThat(doc.at("/workloads/0/metadata/name").asText()).isEqualTo("huge");
    Result yaml = run("describe", "prod", "-o", "yaml");
    assertThat(
            new ObjectMapper(new YAMLFactory())
                .readTree(yaml.out())
                .at("/pools/0/spec/instanceType")
                .asText())
        .isEqualTo("t3.large");
    Result wide = run("describe", "prod", "-o", "wide");
    assertThat(wide.out())
        .contains("REGION", "ENDPOINT", "SUBNET", "WIREGUARD", "wireguard-go 0.0.20250522");
    assertThat(wide.out().lines().filter(l -> l.startsWith("prod-aws-0")))
        .singleElement()
        .asString()
        .endsWith("kernel");
  }

  @Test
  void theReadPathStartedBeforeParsingIsTakenOnlyForTheSameKubeconfigAndContext() {
    String[] args = {"--kubeconfig", kubeconfig.toString(), "describe", "prod"};

    try (KubeReads early = EarlyReads.start(args).take(kubeconfig, null)) {
      assertThat(early).isNotNull();
      ClusterSnapshot light = ClusterSnapshot.read(early, ns, "prod");
      assertThat(light.peers()).isNotEmpty();
      assertThat(light.lastSeen()).isEqualTo(ClusterSnapshot.read(client, ns, "prod").lastSeen());
    }
    assertThat(EarlyReads.start(args).take(kubeconfig, "another-context")).isNull();
    assertThat(
            EarlyReads.start(new String[] {"--kubeconfig", "/nowhere", "describe", "prod"})
                .take(Path.of("/nowhere"), null))
        .as("a failed early start leaves the error to the command")
        .isNull();
  }

  @Test
  void anUnknownClusterIsExitTwoWithWhatExists() {
    Result missing = run("describe", "staging");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err())
        .contains("no MeshCluster staging in namespace " + ns + " (here: prod)");
    Result badOutput = run("describe", "prod", "-o", "xml");
    assertThat(badOutput.exit()).isEqualTo(2);
    assertThat(badOutput.err()).contains("Invalid value for option '--output'");
  }

  @Test
  void troubleshootTurnsRedOnAnUnreachableAgentApiAnExpiredTokenAndAnUnhealthyPeer()
      throws Exception {
    MeshCluster cluster =
        client.resources(MeshCluster.class).inNamespace(ns).withName("prod").get();
    cluster.getStatus().setEndpoint("https://127.0.0.1:1");
    cluster.getStatus().setJoinTokenExpiresAt(Instant.now().minusSeconds(60).toString());
    cluster.getStatus().setJoinTokenSecret("prod-meshfed-join-token");
    client.resource(cluster).updateStatus();
    Peer peer = client.resources(Peer.class).inNamespace(ns).withName("prod-aws-0").get();
    var handshakes = new HandshakeSummary();
    handshakes.setExpected(2);
    handshakes.setRecent(1);
    handshakes.setMissingCount(1);
    handshakes.setMissing(List.of("office"));
    peer.getStatus().setHandshakes(handshakes);
    peer.getStatus()
        .setConditions(
            List.of(
                new ConditionBuilder()
                    .withType("Healthy")
                    .withStatus("False")
                    .withReason("HandshakesMissing")
                    .withMessage("no recent handshake with office")
                    .build()));
    client.resource(peer).updateStatus();

    Result red = run("troubleshoot", "prod");
    assertThat(red.exit()).as(red.out() + red.err()).isEqualTo(1);
    assertThat(red.out())
        .contains(
            "✗ the operator has not reconciled MeshCluster " + ns + "/prod",
            "✗ the agent API at https://127.0.0.1:1: unreachable",
            "✗ the cluster's join token expired at",
            "✗ peer prod-aws-0 has recent handshakes with 1 of 2 peers (HandshakesMissing: no recent handshake with office)",
            "! peer prod-aws-1 is Joining",
            "! workload huge cannot place every replica: NoResourcesAvailable",
            "    hint: ");
    assertThat(red.out())
        .as("office has no report yet: unknown; prod-aws-0 misses office")
        .contains(
            """
        connectivity (row: the peer's agent; ✓ direct, ↻ relayed through a gateway, ✗ none, ? unknown):
                        office        prod-aws-0
          office        ·             ?
          prod-aws-0    ✗             ·
        """);
    assertThat(red.out().strip()).endsWith("checks failed");
  }

  @Test
  void theAgentApiProbeTrustsOnlyTheClustersPinnedCa() throws Exception {
    String endpoint = client.getConfiguration().getMasterUrl(); // a TLS server this test owns
    X509Certificate[] chain = serverChain(endpoint);
    String pin = PinnedTrust.hashOf(chain[chain.length - 1]);

    assertThat(Troubleshoot.probe(endpoint, pin)).isEmpty();
    assertThat(Troubleshoot.probe(endpoint, "sha256:" + "0".repeat(64)))
        .hasValueSatisfying(
            problem ->
                assertThat(problem)
                    .startsWith("agents would refuse its certificate:")
                    .contains("no CA with a pinned hash"));
    assertThat(Troubleshoot.probe(endpoint.replace("127.0.0.1", "localhost"), pin))
        .as("the name is checked too")
        .hasValueSatisfying(
            problem -> assertThat(problem).startsWith("agents would refuse its certificate:"));
    assertThat(Troubleshoot.probe(endpoint, null))
        .hasValue("the cluster has no status.caHash yet, so agents cannot trust any certificate");
    assertThat(Troubleshoot.probe(endpoint, "md5:abc"))
        .hasValueSatisfying(
            problem -> assertThat(problem).contains("is not a sha256:<64 hex digits> pin"));
  }

  private static X509Certificate[] serverChain(String endpoint) throws Exception {
    var uri = URI.create(endpoint);
    X509Certificate[][] seen = new X509Certificate[1][];
    var record =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {
            seen[0] = chain;
          }

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    var tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {record}, null);
    try (var socket =
        (SSLSocket) tls.getSocketFactory().createSocket(uri.getHost(), uri.getPort())) {
      socket.startHandshake();
    }
    return seen[0];
  }

  @Test
  void checksPassWhenAllIsWell() {
    ClusterSnapshot snapshot = ClusterSnapshot.read(client, ns, "prod");
    snapshot
        .cluster()
        .getStatus()
        .setObservedGeneration(snapshot.cluster().getMetadata().getGeneration());
    snapshot
        .cluster()
        .getStatus()
        .setConditions(
            List.of(
                new ConditionBuilder()
                    .withType("CredentialsValid")
                    .withStatus("True")
                    .withReason("Verified")
                    .withMessage("aws: verified")
                    .build()));
    snapshot.cluster().getStatus().setJoinTokenExpiresAt(NOW.plusSeconds(3600).toString());
    var ready =
        new ClusterSnapshot(
            snapshot.cluster(),
            snapshot.peers().stream()
                .filter(p -> p.getStatus().getPhase() == PeerPhase.READY)
                .toList(),
            snapshot.pools(),
            snapshot.workloads().stream()
                .filter(w -> w.getMetadata().getName().equals("web"))
                .toList());
    List<Checks.Check> checks = Checks.run(ready, NOW, endpoint -> Optional.empty());
    assertThat(checks).extracting(Checks.Check::result).doesNotContain(Checks.Result.FAIL);
    assertThat(checks)
        .extracting(Checks.Check::line)
        .containsExactly(
            "✓ the operator reconciles MeshCluster " + ns + "/prod (phase Ready)",
            "✓ the agent API answers at https://mesh.example.com:8443 with a valid certificate",
            "✓ cloud credentials: aws: verified",
            "! the cluster's join token expires at "
                + NOW.plusSeconds(3600)
                + "\n    hint: it is rotated on its own; hosts given the old one must join before then",
            "✓ all 2 peers are Ready and reach each other");
  }

  @Test
  void joinCommandPrintsTheHostsLineWithAFreshOneTimeTokenForItsPeer() throws Exception {
    Result missing = run("join-command", "prod");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("has no agent API endpoint and CA hash in its status yet");

    MeshCluster cluster =
        client.resources(MeshCluster.class).inNamespace(ns).withName("prod").get();
    cluster.getStatus().setCaHash("sha256:" + "ab".repeat(32));
    client.resource(cluster).updateStatus();
    Instant before = Instant.now();
    Result join = run("join-command", "prod", "--ttl", "2h", "--name", "nas");
    assertThat(join.exit()).as(join.err()).isZero();
    assertThat(join.out().strip())
        .isEqualTo(
            JoinCommand.line(
                "https://mesh.example.com:8443",
                "sha256:" + "ab".repeat(32),
                join.out().strip().replaceAll(".*printf '%s\\\\n' '([^']+)'.*", "$1"),
                "nas"))
        .contains("--token-file ~/.meshfed-join-token --name nas")
        .doesNotContain("--token mf");
    assertThat(join.err()).contains("# joins as peer/nas; the token works once, until");

    Peer nas = client.resources(Peer.class).inNamespace(ns).withName("nas").get();
    assertThat(nas.getSpec().getProvider()).isEqualTo(ProviderType.STATIC);
    assertThat(nas.getSpec().getClusterRef().getName()).isEqualTo("prod");
    var secret = client.secrets().inNamespace(ns).withName("nas-meshfed-bootstrap").get();
    String token =
        join.out().strip().replaceAll(".*printf '%s\\\\n' 'mfb:[^:]+:nas:([0-9a-f]{64})'.*", "$1");
    assertThat(token).matches("[0-9a-f]{64}");
    assertThat(new String(Base64.getDecoder().decode(secret.getData().get("token"))))
        .isEqualTo(token);
    Instant expires =
        Instant.parse(secret.getMetadata().getAnnotations().get("meshfed.io/expires-at"));
    assertThat(expires).isBetween(before.plusSeconds(7200 - 5), Instant.now().plusSeconds(7200));
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(nas.getMetadata().getUid()));

    assertThat(run("join-command", "prod", "--name", "nas").err())
        .contains("a peer nas exists already");
    assertThat(run("join-command", "prod", "--ttl", "forever").exit()).isEqualTo(2);
    assertThat(run("join-command", "prod", "--ttl", "200h").err()).contains("at most 7 days");
  }

  @Test
  void anUnreachableApiServerFailsFastSayingSo() throws Exception {
    Path nowhere = Files.createTempFile("kubeconfig", ".yaml");
    Files.writeString(
        nowhere,
        server
            .getKubeConfigYaml()
            .replaceAll("server: https://[^\\s]+", "server: https://127.0.0.1:1"));
    StringWriter err = new StringWriter();
    var cli = KubectlMeshfed.commandLine();
    cli.setErr(new PrintWriter(err));
    long start = System.nanoTime();
    int exit = cli.execute("--kubeconfig", nowhere.toString(), "describe", "prod");
    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).contains("cannot reach the Kubernetes API server");
    assertThat((System.nanoTime() - start) / 1_000_000_000).as("no long retries").isLessThan(5);
    Files.delete(nowhere);
  }

  @Test
  void growResizesTheProvidersPoolOrMakesOne() {
    Result grown = run("grow", "prod", "--provider", "aws", "--type", "t3.large", "--count", "2");
    assertThat(grown.exit()).as(grown.err()).isZero();
    assertThat(grown.out()).contains("peerpool/prod-aws-t3-large created with 2 peers");
    PeerPool made =
        client.resources(PeerPool.class).inNamespace(ns).withName("prod-aws-t3-large").get();
    assertThat(made.getSpec().getReplicas()).isEqualTo(2);
    assertThat(made.getSpec().getInstanceType()).isEqualTo("t3.large");
    assertThat(made.getSpec().getClusterRef().getName()).isEqualTo("prod");

    assertThat(run("grow", "prod", "--provider", "aws", "--count", "3").out())
        .contains("peerpool/prod-aws resized to 5 peers");
    assertThat(
            client
                .resources(PeerPool.class)
                .inNamespace(ns)
                .withName("prod-aws")
                .get()
                .getSpec()
                .getReplicas())
        .isEqualTo(5);

    PeerPool auto = client.resources(PeerPool.class).inNamespace(ns).withName("prod-aws").get();
    AutoscalingSpec autoscaling = new AutoscalingSpec();
    autoscaling.setMinReplicas(1);
    autoscaling.setMaxReplicas(3);
    client
        .resources(PeerPool.class)
        .inNamespace(ns)
        .withName("prod-aws")
        .edit(
            p -> {
              p.getSpec().setAutoscaling(autoscaling);
              return p;
            });
    assertThat(run("grow", "prod", "--provider", "aws", "--count", "2").out())
        .contains("peerpool/prod-aws is autoscaled: minReplicas 4 (maxReplicas 4)");

    Result refused = run("grow", "prod", "--provider", "static", "--count", "1");
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.err()).contains("static hosts join on their own");
  }

  @Test
  void shrinkRemovesIdlePeersAndTakesTheirPoolsSizeDown() {
    Result idle = run("shrink", "prod", "--idle");
    assertThat(idle.exit()).as(idle.err()).isZero();
    // prod-aws-1 runs nothing; office (static) and prod-aws-0 run web
    assertThat(idle.out())
        .contains("peer/prod-aws-1 deleted", "peerpool/prod-aws resized to 1 peers");
    assertThat(client.resources(Peer.class).inNamespace(ns).withName("prod-aws-1").get()).isNull();
    assertThat(client.resources(Peer.class).inNamespace(ns).withName("office").get()).isNotNull();
    assertThat(
            client
                .resources(PeerPool.class)
                .inNamespace(ns)
                .withName("prod-aws")
                .get()
                .getSpec()
                .getReplicas())
        .isEqualTo(1);

    // a busy peer is drained first; with no operator here its replica never moves: it stays, marked
    Result busy = run("shrink", "prod", "--peer", "prod-aws-0", "--timeout", "2s");
    assertThat(busy.exit()).isEqualTo(1);
    assertThat(busy.out()).contains("peer/prod-aws-0 draining");
    assertThat(busy.err()).contains("still runs 1 replicas after 2s");
    Peer still = client.resources(Peer.class).inNamespace(ns).withName("prod-aws-0").get();
    assertThat(still.getMetadata().getDeletionTimestamp()).isNull();
    assertThat(still.getMetadata().getAnnotations()).containsKey(MeshfedApi.DRAINING_ANNOTATION);

    assertThat(run("shrink", "prod", "--peer", "nope").err())
        .contains("no peer nope in cluster prod");
    assertThat(run("shrink", "prod").err()).contains("Missing required argument");
  }

  @Test
  void rotateKeysAsksEveryPeerOrOneWithANewRequestEachTime() {
    Result one = run("rotate-keys", "prod", "--peer", "office");
    assertThat(one.exit()).as(one.err()).isZero();
    assertThat(one.out()).contains("peer/office asked to rotate its key");
    String asked =
        client
            .resources(Peer.class)
            .inNamespace(ns)
            .withName("office")
            .get()
            .getMetadata()
            .getAnnotations()
            .get(MeshfedApi.ROTATE_KEY_ANNOTATION);
    assertThat(asked).isNotBlank();
    assertThat(
            client
                .resources(Peer.class)
                .inNamespace(ns)
                .withName("prod-aws-0")
                .get()
                .getMetadata()
                .getAnnotations())
        .doesNotContainKey(MeshfedApi.ROTATE_KEY_ANNOTATION);

    Result all = run("rotate-keys", "prod");
    assertThat(all.exit()).as(all.err()).isZero();
    assertThat(client.resources(Peer.class).inNamespace(ns).list().getItems())
        .filteredOn(p -> !p.isMarkedForDeletion())
        .allSatisfy(
            p ->
                assertThat(p.getMetadata().getAnnotations())
                    .containsKey(MeshfedApi.ROTATE_KEY_ANNOTATION));
    assertThat(run("rotate-keys", "prod", "--peer", "nope").err())
        .contains("no peer nope in cluster prod");
  }

  @Test
  void rotateCaAnnotatesTheOperatorsCaSecretOrSaysWhereItLooked() {
    Result missing = run("rotate-ca", "--operator-namespace", ns);
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.err())
        .contains("no secret/" + MeshfedApi.AGENT_API_CA_SECRET + " in namespace " + ns);

    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(MeshfedApi.AGENT_API_CA_SECRET)
                .endMetadata()
                .withStringData(Map.of("tls.crt", "x"))
                .build())
        .create();
    Result asked = run("rotate-ca", "--operator-namespace", ns);
    assertThat(asked.exit()).as(asked.err()).isZero();
    assertThat(asked.out()).contains("asked to rotate");
    assertThat(
            client
                .secrets()
                .inNamespace(ns)
                .withName(MeshfedApi.AGENT_API_CA_SECRET)
                .get()
                .getMetadata()
                .getAnnotations())
        .containsKey(MeshfedApi.ROTATE_CA_ANNOTATION);
  }

  private void peer(
      String name,
      ProviderType provider,
      PeerPool pool,
      PeerPhase phase,
      String address,
      String meshAddress,
      String health,
      String heartbeatAgo) {
    Peer peer = new Peer();
    peer.getMetadata().setName(name);
    if (pool != null) {
      peer.getMetadata()
          .setOwnerReferences(
              List.of(
                  new OwnerReferenceBuilder()
                      .withApiVersion(MeshfedApi.API_VERSION)
                      .withKind("PeerPool")
                      .withName(pool.getMetadata().getName())
                      .withUid(pool.getMetadata().getUid())
                      .withController(true)
                      .build()));
    }
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference("prod"));
    spec.setProvider(provider);
    peer.setSpec(spec);
    peer = client.resource(peer).inNamespace(ns).create();
    PeerStatus status = new PeerStatus();
    status.setPhase(phase);
    if (address != null) {
      status.setAddresses(new PeerAddresses(address, null));
    }
    status.setMeshAddress(meshAddress);
    status.setHealth(health);
    if (heartbeatAgo != null) {
      AgentStatus agent = new AgentStatus();
      agent.setVersion("0.1.0");
      agent.setWireguard(provider == ProviderType.AWS ? "kernel" : "wireguard-go 0.0.20250522");
      agent.setLastHeartbeatTime(
          NOW.minusSeconds(Long.parseLong(heartbeatAgo.replace("s", ""))).toString());
      status.setAgent(agent);
    }
    peer.setStatus(status);
    client.resource(peer).updateStatus();
  }

  private void workload(String name, int replicas, List<String> on, Condition scheduled) {
    Workload workload = new Workload();
    workload.getMetadata().setName(name);
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("prod"));
    spec.setReplicas(replicas);
    spec.setCommand(List.of("sleep", "infinity"));
    workload.setSpec(spec);
    workload = client.resource(workload).inNamespace(ns).create();
    WorkloadStatus status = new WorkloadStatus();
    List<ReplicaPlacement> placements = new ArrayList<>();
    for (int i = 0; i < on.size(); i++) {
      ReplicaPlacement p = new ReplicaPlacement();
      p.setReplica(name + "-" + i);
      p.setPeer(on.get(i));
      placements.add(p);
    }
    status.setPlacements(placements);
    status.setReplicas(replicas);
    status.setReadyReplicas(on.size());
    if (scheduled != null) {
      status.setConditions(List.of(scheduled));
    }
    workload.setStatus(status);
    client.resource(workload).updateStatus();
  }

  record Result(int exit, String out, String err) {}

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString(), "-n", ns));
    all.addAll(List.of(args));
    var cli = KubectlMeshfed.commandLine(all.toArray(String[]::new));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(all.toArray(String[]::new));
    return new Result(exit, out.toString(), err.toString());
  }
}
