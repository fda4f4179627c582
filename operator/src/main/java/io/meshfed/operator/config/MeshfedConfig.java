package io.meshfed.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The operator's settings, under {@code meshfed.*} (environment: {@code MESHFED_*}). */
@ConfigMapping(prefix = "meshfed")
public interface MeshfedConfig {

  Peer peer();

  Cluster cluster();

  Ipam ipam();

  AgentApi agentApi();

  LeaderElection leaderElection();

  /** Used in the profiles where leader election is on (prod). */
  interface LeaderElection {
    /** Namespace of the Lease; defaults to the operator's own namespace. */
    Optional<String> namespace();

    /** This replica's name in the Lease; defaults to host name plus a random suffix. */
    Optional<String> identity();

    @WithDefault("15s")
    Duration leaseDuration();
  }

  interface Peer {
    /** A peer whose agent has not reported for this long becomes NotReady. */
    @WithDefault("40s")
    Duration heartbeatGrace();

    /** How soon to look again at a machine the provider is still creating or deleting. */
    @WithDefault("5s")
    Duration providerPollInterval();

    /** First wait after a retryable provider error; doubles per attempt up to the maximum. */
    @WithDefault("5s")
    Duration providerRetryInitial();

    @WithDefault("5m")
    Duration providerRetryMax();
  }

  interface Cluster {
    /** How soon to look again while a cluster's peers are being deleted. */
    @WithDefault("2s")
    Duration deletionPollInterval();

    /** While a credentials Secret a cluster names is missing, look for it this often. */
    @WithDefault("30s")
    Duration credentialsRecheckInterval();
  }

  interface Ipam {
    /** Conflicting writes to a cluster's allocation table tried again within one reconcile. */
    @WithDefault("10")
    int conflictRetries();

    /** When a cluster's address pool is full, look again this often. */
    @WithDefault("30s")
    Duration exhaustedRecheckInterval();
  }

  interface AgentApi {
    /** URL agents reach the agent API at, shown in MeshCluster status. */
    Optional<String> endpoint();
  }
}
