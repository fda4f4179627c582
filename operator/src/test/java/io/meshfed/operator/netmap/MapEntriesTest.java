package io.meshfed.operator.netmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.KeyRotationStatus;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerAddresses;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ProvidersSpec;
import io.meshfed.operator.testing.TestObjects;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Peers as map entries: who is on the map, and where others try to reach them. */
class MapEntriesTest {
  static MeshCluster cluster() {
    MeshCluster cluster = TestObjects.cluster("ns", "mesh", "100.64.0.0/16", 24);
    cluster.getSpec().getNetwork().setListenPort(51820);
    CloudProviderSpec aws = new CloudProviderSpec();
    aws.setRegion("eu-west-1");
    ProvidersSpec providers = new ProvidersSpec();
    providers.setAws(aws);
    cluster.getSpec().setProviders(providers);
    return cluster;
  }

  static Peer peer(ProviderType provider, PeerPhase phase) {
    Peer peer = TestObjects.peer("ns", "p", "mesh", provider);
    PeerStatus status = new PeerStatus();
    status.setPhase(phase);
    status.setPublicKey("key=");
    status.setSubnet("100.64.3.0/24");
    status.setMeshAddress("100.64.3.1");
    status.setInterfaceEndpoints(List.of("172.31.4.5:51820"));
    peer.setStatus(status);
    return peer;
  }

  @Test
  void aCloudPeerIsTriedAtTheAddressItsProviderGaveItFirst() {
    Peer vm = peer(ProviderType.AWS, PeerPhase.READY);
    vm.getStatus().setAddresses(new PeerAddresses("203.0.113.7", "172.31.4.5"));
    MapPeer entry = MapEntries.entryOf(vm, cluster(), List.of()).orElseThrow();
    assertThat(entry.endpoints()).containsExactly("203.0.113.7:51820", "172.31.4.5:51820");
    assertThat(entry.site())
        .as("the region from the cluster's aws settings")
        .isEqualTo("aws/eu-west-1");
    assertThat(entry.siteEndpoints()).containsExactly("172.31.4.5:51820");
    SelfConfig self = MapEntries.selfOf(vm, cluster(), List.of()).orElseThrow();
    assertThat(self.site()).isEqualTo("aws/eu-west-1");
    assertThat(self.persistentKeepalive()).as("reachable at its public address").isNull();
  }

  @Test
  void aRotationAskedByHandOrByTheScheduleIsInTheSelfConfigUntilAnswered() {
    Peer peer = peer(ProviderType.STATIC, PeerPhase.READY);
    assertThat(MapEntries.selfOf(peer, cluster(), List.of()).orElseThrow().rotateKey()).isNull();
    peer.getMetadata().getAnnotations().put(MeshfedApi.ROTATE_KEY_ANNOTATION, "r1");
    assertThat(MapEntries.selfOf(peer, cluster(), List.of()).orElseThrow().rotateKey())
        .isEqualTo("r1");
    peer.getStatus().setKeyRotation(new KeyRotationStatus("r1", "2026-12-05T10:00:00Z"));
    assertThat(MapEntries.selfOf(peer, cluster(), List.of()).orElseThrow().rotateKey())
        .as("answered")
        .isNull();
    peer.getStatus().getKeyRotation().setScheduled("scheduled-2026-12-06T10:00:00Z");
    assertThat(MapEntries.selfOf(peer, cluster(), List.of()).orElseThrow().rotateKey())
        .isEqualTo("scheduled-2026-12-06T10:00:00Z");
    peer.getMetadata().getAnnotations().put(MeshfedApi.ROTATE_KEY_ANNOTATION, "r2");
    assertThat(MapEntries.selfOf(peer, cluster(), List.of()).orElseThrow().rotateKey())
        .as("a request by hand first")
        .isEqualTo("r2");
  }

  @Test
  void aPeerIsOnTheMapFromItsJoinUntilItIsDeletedReadyOrNot() {
    for (PeerPhase phase : List.of(PeerPhase.JOINING, PeerPhase.READY, PeerPhase.NOT_READY)) {
      assertThat(MapEntries.entryOf(peer(ProviderType.STATIC, phase), cluster(), List.of()))
          .as(phase.toString())
          .isPresent();
    }
    Peer leaving = peer(ProviderType.STATIC, PeerPhase.TERMINATING);
    leaving.getMetadata().setDeletionTimestamp("2026-12-04T12:00:00Z");
    assertThat(MapEntries.entryOf(leaving, cluster(), List.of())).isEmpty();
    Peer notJoined = peer(ProviderType.STATIC, PeerPhase.JOINING);
    notJoined.getStatus().setPublicKey(null);
    assertThat(MapEntries.entryOf(notJoined, cluster(), List.of())).isEmpty();
  }

  @Test
  void aHostBehindNatIsTriedWhereOthersSeeItAndSendsKeepalives() {
    Peer home = peer(ProviderType.STATIC, PeerPhase.READY);
    List<String> observed = List.of("198.19.212.1:51820");
    MapPeer entry = MapEntries.entryOf(home, cluster(), observed).orElseThrow();
    assertThat(entry.endpoints()).containsExactly("198.19.212.1:51820", "172.31.4.5:51820");
    assertThat(entry.site()).isEqualTo("nat:198.19.212.1");
    assertThat(MapEntries.selfOf(home, cluster(), observed).orElseThrow().persistentKeepalive())
        .isEqualTo(Candidates.NAT_KEEPALIVE);
  }
}
