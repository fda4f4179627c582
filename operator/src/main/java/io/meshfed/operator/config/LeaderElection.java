package io.meshfed.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;

/**
 * One active operator replica at a time, through a Lease in the operator's namespace. Active in
 * the profiles named by {@code quarkus.operator-sdk.activate-leader-election-for-profiles} (prod).
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
  public static final String LEASE_NAME = "meshfed-operator-leader";

  public LeaderElection() {
    super(LEASE_NAME);
  }
}
