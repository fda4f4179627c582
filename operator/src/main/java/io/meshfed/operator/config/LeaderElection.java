package io.meshfed.operator.config;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.arc.Unremovable;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/**
 * One active operator replica at a time, through a Lease. Active in the profiles named by {@code
 * quarkus.operator-sdk.activate-leader-election-for-profiles} (prod). Each replica's identity is
 * its host name plus a random suffix, as controller-manager does it, so two replicas on one host
 * never both believe they lead.
 */
@Singleton
@Unremovable // looked up by the operator SDK at start, never injected
public class LeaderElection extends LeaderElectionConfiguration {
  public static final String LEASE_NAME = "meshfed-operator-leader";

  @Inject
  public LeaderElection(MeshfedConfig config, AgentApiRouting routing) {
    this(config.leaderElection(), routing);
  }

  private LeaderElection(MeshfedConfig.LeaderElection config, AgentApiRouting routing) {
    super(
        LEASE_NAME,
        config.namespace().orElse(null),
        config.leaseDuration(),
        // renew well within the lease, retry often: the kube-controller-manager ratios
        config.leaseDuration().multipliedBy(2).dividedBy(3),
        config.leaseDuration().dividedBy(7),
        config.identity().orElseGet(LeaderElection::defaultIdentity),
        new LeaderCallbacks(
            routing::startedLeading, LeaderElection::exitAfterLosingTheLease, leader -> {}),
        // not the SDK's own exit: it calls System.exit inside the shutdown that stopped the
        // leading, which blocks a SIGTERM-ed operator until it is killed
        false);
  }

  /**
   * A replica that loses the lease exits and restarts clean rather than reconcile beside the new
   * leader. The exit runs on a daemon thread: when the lease was lost because the operator is
   * shutting down anyway, that thread blocks (System.exit does during shutdown) without holding the
   * JVM up.
   */
  private static void exitAfterLosingTheLease() {
    Thread exit = new Thread(() -> System.exit(1), "lost-leader-lease");
    exit.setDaemon(true);
    exit.start();
  }

  static String defaultIdentity() {
    String host = System.getenv("HOSTNAME");
    if (host == null) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = "meshfed-operator";
      }
    }
    return host + "_" + UUID.randomUUID();
  }
}
