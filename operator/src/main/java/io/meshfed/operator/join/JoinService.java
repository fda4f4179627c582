package io.meshfed.operator.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.Tokens;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.netmap.MapEntries;
import io.meshfed.operator.netmap.MapFeed;
import io.meshfed.operator.server.AgentApiException;
import io.meshfed.operator.support.StatusPatch;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/join}. Everything that can refuse a join is checked before anything is
 * written, so a refused join leaves no trace; what is written is idempotent per peer (the subnet
 * per Peer UID, the membership Secret by name), so an agent that retries after a lost answer gets
 * the same address.
 */
@Singleton
public class JoinService {
  private static final Logger LOG = Logger.getLogger(JoinService.class);
  static final String JOINED_WITH_LABEL = MeshfedApi.GROUP + "/joined-with";

  private final KubernetesClient client;
  private final SubnetAllocator allocator;
  private final JoinChallenges challenges;
  private final Memberships memberships;
  private final ClusterTokens clusterTokens;
  private final MapFeed maps;
  private final Clock clock;
  private final MeterRegistry metrics;

  /** Keys of joins under way in this process: two joins with one key never race each other. */
  private final Set<String> joining = ConcurrentHashMap.newKeySet();

  public JoinService(
      KubernetesClient client,
      SubnetAllocator allocator,
      JoinChallenges challenges,
      Memberships memberships,
      ClusterTokens clusterTokens,
      MapFeed maps,
      Clock clock,
      MeterRegistry metrics) {
    this.clock = clock;
    this.metrics = metrics;
    this.maps = maps;
    this.clusterTokens = clusterTokens;
    this.client = client;
    this.allocator = allocator;
    this.challenges = challenges;
    this.memberships = memberships;
  }

  /** Every join attempt counted by outcome: joined, or refused and why (the error's code). */
  public JoinResponse join(JoinRequest request) {
    try {
      JoinResponse response = joinChecked(request);
      metrics.counter(JOINS, "outcome", "joined", "reason", "").increment();
      return response;
    } catch (AgentApiException e) {
      metrics.counter(JOINS, "outcome", "refused", "reason", e.error().reason()).increment();
      throw e;
    }
  }

  static final String JOINS = "meshfed.joins";

  private JoinResponse joinChecked(JoinRequest request) {
    Validation.join(request);
    challenges.check(request); // before any read: only a key's holder gets further
    if (!joining.add(request.publicKey())) {
      throw AgentApiException.conflict(
          "JoinInProgress", "a join with this WireGuard key is under way; try again");
    }
    try {
      return joinProven(request);
    } finally {
      joining.remove(request.publicKey());
    }
  }

  private JoinResponse joinProven(JoinRequest request) {
    Tokens token =
        Tokens.parse(request.token())
            .orElseThrow(
                () ->
                    AgentApiException.unauthorized(
                        "InvalidToken",
                        "not a meshfed join token: expected mfj:<namespace>:<cluster>:<secret> (the cluster's join token) or"
                            + " mfb:<namespace>:<peer>:<secret> (a machine's bootstrap token)"));
    Instant now = clock.instant();
    Peer peer;
    MeshCluster cluster;
    Optional<Secret> bootstrap = Optional.empty();
    switch (token.kind()) {
      case CLUSTER -> {
        cluster = checkClusterToken(token, now);
        peer = bindOrPlanHost(request, cluster);
      }
      case BOOTSTRAP -> {
        bootstrap = Optional.of(checkBootstrapToken(token, request, now));
        peer = boundPeer(token, bootstrap.get());
        if (request.name() != null && !request.name().equals(peer.getMetadata().getName())) {
          throw AgentApiException.badField(
              "name",
              "this bootstrap token belongs to peer "
                  + peer.getMetadata().getName()
                  + ", not "
                  + request.name());
        }
        cluster = liveCluster(token.namespace(), peer.getSpec().getClusterRef().getName());
      }
      default ->
          throw AgentApiException.unauthorized(
              "InvalidToken",
              "a peer credential cannot join; use the cluster's join token or the machine's bootstrap token");
    }

    Validation.reachableEndpoints(request.endpoints(), cluster.getSpec().getNetwork().getCidr());
    String holder =
        memberships
            .holderOf(
                cluster.getMetadata().getNamespace(),
                cluster.getMetadata().getName(),
                request.publicKey())
            .orElse(null);
    if (holder != null && !holder.equals(peer.getMetadata().getName())) {
      throw AgentApiException.conflict(
          "PublicKeyTaken",
          "another peer of cluster "
              + cluster.getMetadata().getName()
              + " has this WireGuard public key; every peer needs its own (was a state directory"
              + " or a disk image copied?)");
    }

    // every check passed: from here on, writes; a one-time token is taken first, atomically
    if (bootstrap.isPresent()) {
      claim(bootstrap.get(), peer.getMetadata().getName(), request.publicKey());
    }
    if (peer.getMetadata().getUid() == null) {
      peer = createHostPeer(peer);
    }
    SubnetAllocator.Allocated address = allocate(cluster, peer);
    String secret = AgentSecrets.randomSecret();
    Secret membership =
        AgentSecrets.agentSecret(
            peer,
            new AgentSecrets.Membership(
                AgentSecrets.sha256(secret),
                request.publicKey(),
                request.endpoints() == null ? List.of() : request.endpoints(),
                request.facts()));
    memberships.remember(
        client
            .resource(membership)
            .fieldManager("meshfed-agent-api")
            .forceConflicts()
            .serverSideApply());
    writeJoinedStatus(peer, address, request);
    maps.joined(
        peer,
        new MapFeed.Joined(
            request.publicKey(),
            address.subnet(),
            address.meshAddress(),
            request.endpoints() == null ? List.of() : request.endpoints()));
    LOG.infof(
        "peer %s/%s joined (%s token) with mesh address %s",
        peer.getMetadata().getNamespace(),
        peer.getMetadata().getName(),
        token.kind().name().toLowerCase(Locale.ROOT),
        address.meshAddress());
    return new JoinResponse(
        peer.getMetadata().getNamespace(),
        peer.getMetadata().getName(),
        Tokens.format(
            Tokens.Kind.PEER,
            peer.getMetadata().getNamespace(),
            peer.getMetadata().getName(),
            secret),
        MapEntries.selfConfig(
            peer.getMetadata().getName(), cluster, address.meshAddress(), address.subnet()));
  }

  private MeshCluster checkClusterToken(Tokens token, Instant now) {
    // the watch cache confirms a good token; only what it does not confirm is read afresh
    Secret secret =
        clusterTokens
            .cached(token.namespace(), token.name())
            .filter(s -> AgentSecrets.sameSecret(JoinTokens.token(s), token.secret()))
            .orElseGet(
                () ->
                    client
                        .secrets()
                        .inNamespace(token.namespace())
                        .withName(JoinTokens.secretName(token.name()))
                        .get());
    if (secret == null || JoinTokens.token(secret) == null) {
      throw notTheClusterToken(token); // the same words as a wrong one: no hint what exists
    }
    if (AgentSecrets.sameSecret(JoinTokens.token(secret), token.secret())) {
      Optional<Instant> expiry = JoinTokens.expiry(secret);
      if (expiry.isPresent() && !expiry.get().isAfter(now)) {
        throw AgentApiException.unauthorized(
            "TokenExpired",
            "the join token of cluster "
                + token.namespace()
                + "/"
                + token.name()
                + " expired at "
                + expiry.get()
                + "; get the new one from Secret "
                + JoinTokens.secretName(token.name()));
      }
      return liveCluster(token.namespace(), token.name());
    }
    if (AgentSecrets.sameSecret(JoinTokens.previousToken(secret), token.secret())) {
      throw AgentApiException.unauthorized(
          "TokenExpired",
          "this join token of cluster "
              + token.namespace()
              + "/"
              + token.name()
              + " expired and was replaced; get the new one from Secret "
              + JoinTokens.secretName(token.name()));
    }
    throw notTheClusterToken(token);
  }

  private static AgentApiException notTheClusterToken(Tokens token) {
    return AgentApiException.unauthorized(
        "InvalidToken",
        "the token is not the join token of a cluster "
            + token.namespace()
            + "/"
            + token.name()
            + " (copy it again from Secret "
            + JoinTokens.secretName(token.name())
            + ")");
  }

  private Secret checkBootstrapToken(Tokens token, JoinRequest request, Instant now) {
    Secret secret =
        client
            .secrets()
            .inNamespace(token.namespace())
            .withName(AgentSecrets.bootstrapSecretName(token.name()))
            .get();
    if (secret == null
        || !AgentSecrets.sameSecret(
            AgentSecrets.read(secret, AgentSecrets.BOOTSTRAP_TOKEN), token.secret())) {
      throw AgentApiException.unauthorized(
          "InvalidToken",
          "no such bootstrap token for peer " + token.namespace() + "/" + token.name());
    }
    Map<String, String> annotations =
        secret.getMetadata().getAnnotations() == null
            ? Map.of()
            : secret.getMetadata().getAnnotations();
    String expires = annotations.get(AgentSecrets.EXPIRES_ANNOTATION);
    if (expires != null && !Instant.parse(expires).isAfter(now)) {
      throw AgentApiException.unauthorized(
          "TokenExpired",
          "the bootstrap token of peer "
              + token.namespace()
              + "/"
              + token.name()
              + " expired at "
              + expires
              + "; delete the Peer to get a new machine");
    }
    String usedBy = annotations.get(AgentSecrets.USED_BY_ANNOTATION);
    if (usedBy != null && !usedBy.equals(AgentSecrets.sha256(request.publicKey()))) {
      // one machine, one key: the same agent retrying after a lost answer is let through
      throw tokenUsed(token.namespace(), token.name());
    }
    return secret;
  }

  private Peer boundPeer(Tokens token, Secret bootstrap) {
    Peer peer =
        client.resources(Peer.class).inNamespace(token.namespace()).withName(token.name()).get();
    String owner =
        bootstrap.getMetadata().getOwnerReferences().isEmpty()
            ? null
            : bootstrap.getMetadata().getOwnerReferences().get(0).getUid();
    if (peer == null || peer.isMarkedForDeletion() || !peer.getMetadata().getUid().equals(owner)) {
      throw AgentApiException.unauthorized(
          "InvalidToken",
          "the peer this bootstrap token was made for ("
              + token.namespace()
              + "/"
              + token.name()
              + ") is gone");
    }
    return peer;
  }

  private MeshCluster liveCluster(String namespace, String name) {
    MeshCluster cluster =
        client.resources(MeshCluster.class).inNamespace(namespace).withName(name).get();
    if (cluster == null) {
      throw AgentApiException.conflict(
          "ClusterNotFound", "MeshCluster " + namespace + "/" + name + " does not exist");
    }
    if (cluster.isMarkedForDeletion()) {
      throw AgentApiException.conflict(
          "ClusterTerminating", "MeshCluster " + namespace + "/" + name + " is being deleted");
    }
    return cluster;
  }

  /** The host's Peer: an existing one it may bind to, or one to create (not yet written). */
  private Peer bindOrPlanHost(JoinRequest request, MeshCluster cluster) {
    String namespace = cluster.getMetadata().getNamespace();
    String name = request.name() != null ? request.name() : Validation.peerNameFromHost(request);
    Peer existing = client.resources(Peer.class).inNamespace(namespace).withName(name).get();
    if (existing == null) {
      Peer peer = new Peer();
      peer.getMetadata().setName(name);
      peer.getMetadata().setNamespace(namespace);
      peer.getMetadata()
          .setLabels(
              Map.of(
                  MeshfedApi.CLUSTER_LABEL,
                  cluster.getMetadata().getName(),
                  JOINED_WITH_LABEL,
                  "cluster-token"));
      PeerSpec spec = new PeerSpec();
      spec.setClusterRef(new ClusterReference(cluster.getMetadata().getName()));
      spec.setProvider(ProviderType.STATIC);
      peer.setSpec(spec);
      return peer;
    }
    if (!cluster.getMetadata().getName().equals(existing.getSpec().getClusterRef().getName())) {
      throw AgentApiException.conflict(
          "PeerNameTaken",
          "peer "
              + namespace
              + "/"
              + name
              + " belongs to cluster "
              + existing.getSpec().getClusterRef().getName()
              + "; join with another --name");
    }
    if (existing.isMarkedForDeletion()) {
      throw AgentApiException.conflict(
          "PeerTerminating", "peer " + namespace + "/" + name + " is being deleted");
    }
    if (client
            .secrets()
            .inNamespace(namespace)
            .withName(AgentSecrets.bootstrapSecretName(name))
            .get()
        != null) {
      throw AgentApiException.conflict(
          "PeerInvited",
          "peer "
              + namespace
              + "/"
              + name
              + " was invited with a one-time token of its own; join it with that token");
    }
    if (existing.getSpec().getProvider() != ProviderType.STATIC) {
      throw AgentApiException.conflict(
          "PeerNotStatic",
          "peer "
              + namespace
              + "/"
              + name
              + " is a "
              + existing.getSpec().getProvider()
              + " machine; it joins with its own bootstrap token");
    }
    Optional<AgentSecrets.Membership> joined =
        Optional.ofNullable(
                client
                    .secrets()
                    .inNamespace(namespace)
                    .withName(AgentSecrets.agentSecretName(name))
                    .get())
            .flatMap(AgentSecrets::membership);
    if (joined.isPresent() && !joined.get().publicKey().equals(request.publicKey())) {
      throw AgentApiException.conflict(
          "PeerAlreadyJoined",
          "peer "
              + namespace
              + "/"
              + name
              + " already joined with another WireGuard key; delete the Peer first to join it again from a new host");
    }
    return existing;
  }

  private Peer createHostPeer(Peer peer) {
    try {
      return client.resource(peer).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw AgentApiException.conflict(
            "PeerNameTaken",
            "peer "
                + peer.getMetadata().getNamespace()
                + "/"
                + peer.getMetadata().getName()
                + " was created meanwhile; join again");
      }
      if (e.getCode() == 422) {
        throw AgentApiException.badField(
            "name", "the API server refused the Peer: " + e.getStatus().getMessage());
      }
      throw e;
    }
  }

  /**
   * What the maps need of a new peer, in its status at once: every replica's maps take the peer
   * from there (decision 0026), and the reconciler that writes the rest runs on the leader only,
   * behind its queue — or nowhere while the Lease moves. The same fields {@link MapFeed#joined}
   * overlays on this replica; the conditions are left to the reconciler (a merge patch without
   * them).
   */
  private void writeJoinedStatus(
      Peer peer, SubnetAllocator.Allocated address, JoinRequest request) {
    PeerStatus joined = new PeerStatus();
    joined.setConditions(null);
    joined.setPublicKey(request.publicKey());
    joined.setSubnet(address.subnet());
    joined.setMeshAddress(address.meshAddress());
    List<String> endpoints = request.endpoints() == null ? List.of() : request.endpoints();
    if (!endpoints.isEmpty()) {
      joined.setInterfaceEndpoints(endpoints);
      if (peer.getStatus() == null || peer.getStatus().getEndpoint() == null) {
        joined.setEndpoint(endpoints.get(0));
      }
    }
    client.resource(StatusPatch.minimal(peer, joined, Peer::new)).patchStatus();
  }

  private SubnetAllocator.Allocated allocate(MeshCluster cluster, Peer peer) {
    for (int attempt = 0; attempt < 5; attempt++) {
      SubnetAllocator.Result result = allocator.allocate(cluster, peer);
      if (result instanceof SubnetAllocator.Allocated allocated) {
        return allocated;
      }
      if (result instanceof SubnetAllocator.Exhausted exhausted) {
        throw AgentApiException.unavailable(
            "AddressPoolExhausted",
            "all "
                + exhausted.poolSize()
                + " subnets of cluster "
                + cluster.getMetadata().getName()
                + " are in use");
      }
    }
    throw AgentApiException.unavailable(
        "AllocationContended", "the address table is busy; try again");
  }

  private static AgentApiException tokenUsed(String namespace, String peer) {
    return AgentApiException.unauthorized(
        "TokenAlreadyUsed",
        "the bootstrap token of peer "
            + namespace
            + "/"
            + peer
            + " was used by another machine; it works once");
  }

  /**
   * Marks the bootstrap token used by this key, on the version of the Secret the checks read: of
   * two joins racing with one token and different keys, exactly one gets it (the other's update
   * conflicts, and the Secret it reads again names the winner's key).
   */
  private void claim(Secret bootstrap, String peerName, String publicKey) {
    String keyHash = AgentSecrets.sha256(publicKey);
    Map<String, String> annotations = bootstrap.getMetadata().getAnnotations();
    if (annotations != null && keyHash.equals(annotations.get(AgentSecrets.USED_BY_ANNOTATION))) {
      return; // this agent's retry
    }
    Secret claimed =
        new SecretBuilder(bootstrap)
            .editMetadata()
            .addToAnnotations(AgentSecrets.USED_BY_ANNOTATION, keyHash)
            .endMetadata()
            .build();
    try {
      client.resource(claimed).update(); // with the resourceVersion read: fails if it changed
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      Secret now =
          client
              .secrets()
              .inNamespace(bootstrap.getMetadata().getNamespace())
              .withName(bootstrap.getMetadata().getName())
              .get();
      String usedBy =
          now == null || now.getMetadata().getAnnotations() == null
              ? null
              : now.getMetadata().getAnnotations().get(AgentSecrets.USED_BY_ANNOTATION);
      if (!keyHash.equals(usedBy)) {
        throw tokenUsed(bootstrap.getMetadata().getNamespace(), peerName);
      }
    }
  }
}
