package io.meshfed.operator.peer;

import io.fabric8.kubernetes.api.model.Secret;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.operator.join.AgentBootstraps;
import io.meshfed.operator.peer.PeerFacts.Access;
import io.meshfed.operator.peer.PeerFacts.DeleteOutcome;
import io.meshfed.operator.peer.PeerFacts.EnsureOutcome;
import io.meshfed.operator.provider.ProviderContexts;
import io.meshfed.operator.provider.ProviderContexts.MissingCredentialsException;
import io.meshfed.operator.provider.ProviderRegistry;
import io.meshfed.provider.spi.AgentBootstrap;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.meshfed.provider.spi.StaticMachineProvider;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Performs what the lifecycle decides about a Peer's machine: reads the provider's credentials,
 * ensures machine number N, deletes it and asks whether it is gone. Every answer, failures
 * included, comes back as an outcome for the next decision; nothing here decides.
 */
@Singleton
public class MachineLifecycle {
  private final ProviderRegistry providers;
  private final ProviderContexts contexts;
  private final AgentBootstraps bootstraps;

  public MachineLifecycle(
      ProviderRegistry providers, ProviderContexts contexts, AgentBootstraps bootstraps) {
    this.providers = providers;
    this.contexts = contexts;
    this.bootstraps = bootstraps;
  }

  /** The name of the provider that serves this Peer, if this operator has it. */
  public Optional<String> providerOf(Peer peer) {
    return providers.get(peer.getSpec().getProvider().value()).map(MachineProvider::name);
  }

  public List<String> installed() {
    return List.copyOf(providers.names());
  }

  /** One reconcile's dealings with the Peer's provider: its context is read once. */
  public Session session(Peer peer, Optional<MeshCluster> cluster, Optional<Secret> bootstrap) {
    return new Session(peer, cluster, bootstrap);
  }

  /** The provider, its context and the Peer, for the length of one reconcile. */
  public final class Session {
    private final Peer peer;
    private final Optional<MeshCluster> cluster;
    private final Optional<Secret> bootstrapSecret;
    private ProviderContext context;

    private Session(Peer peer, Optional<MeshCluster> cluster, Optional<Secret> bootstrapSecret) {
      this.peer = peer;
      this.cluster = cluster;
      this.bootstrapSecret = bootstrapSecret;
    }

    public Access access() {
      try {
        context();
        return Access.granted();
      } catch (MissingCredentialsException e) {
        return Access.missing(e.getMessage());
      }
    }

    public EnsureOutcome ensure(int attempt) {
      MachineProvider provider = provider();
      try {
        boolean makesMachines = !provider.name().equals(StaticMachineProvider.NAME);
        AgentBootstrap bootstrap =
            makesMachines ? bootstraps.forMachine(peer, bootstrapSecret) : null;
        String userData = bootstrap == null ? null : bootstraps.userData(peer, bootstrap);
        Machine machine =
            provider.ensure(
                context(), request(cluster.orElseThrow(), bootstrap, userData, attempt));
        return new PeerFacts.Ensured(machine);
      } catch (ProviderException e) {
        return failed(e);
      } catch (MissingCredentialsException e) {
        return new PeerFacts.NoCredentials(e.getMessage());
      }
    }

    /** Deletes the machine (idempotent) and says whether the provider still has it. */
    public DeleteOutcome delete(PeerStatus status) {
      MachineProvider provider = provider();
      try {
        MachineRef ref = ref(status);
        ProviderContext providerContext = context();
        provider.delete(providerContext, ref);
        Optional<Machine> still = provider.find(providerContext, ref);
        return still.isPresent() && !still.get().state().isGone()
            ? new PeerFacts.StillThere(still.get())
            : new PeerFacts.Gone();
      } catch (ProviderException e) {
        return failed(e);
      } catch (MissingCredentialsException e) {
        return new PeerFacts.NoCredentials(e.getMessage());
      }
    }

    private MachineProvider provider() {
      return providers.get(peer.getSpec().getProvider().value()).orElseThrow();
    }

    private ProviderContext context() throws MissingCredentialsException {
      if (context == null) {
        context =
            cluster.isPresent()
                ? contexts.of(cluster.get(), peer.getSpec().getProvider())
                : new ProviderContext(null, PeerLifecycle.clusterName(peer), Map.of(), Map.of());
      }
      return context;
    }

    private MachineRequest request(
        MeshCluster meshCluster, AgentBootstrap bootstrap, String userData, int attempt) {
      PeerSpec spec = peer.getSpec();
      return new MachineRequest(
          meshCluster.getMetadata().getUid(),
          peer.getMetadata().getUid(),
          peer.getMetadata().getName(),
          spec.getRegion(),
          spec.getZone(),
          spec.getInstanceType(),
          spec.getImage(),
          meshCluster.getSpec().getNetwork().getListenPort(),
          userData,
          bootstrap,
          Map.of(
              MeshfedApi.CLUSTER_LABEL, meshCluster.getMetadata().getUid(),
              MeshfedApi.PEER_LABEL, peer.getMetadata().getUid()),
          attempt);
    }

    private MachineRef ref(PeerStatus status) {
      return new MachineRef(
          cluster.map(c -> c.getMetadata().getUid()).orElse(null),
          peer.getMetadata().getUid(),
          peer.getMetadata().getName(),
          status == null ? null : status.getProviderID(),
          peer.getSpec().getRegion(),
          peer.getSpec().getZone(),
          PeerLifecycle.attempt(status));
    }
  }

  private static PeerFacts.ProviderFailed failed(ProviderException e) {
    return new PeerFacts.ProviderFailed(e.reason(), e.getMessage(), e.isRetryable());
  }
}
