package io.meshfed.operator.agentapi;

import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.directory.AgentDirectory;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.join.Memberships;
import io.meshfed.operator.join.Validation;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Objects;

/**
 * {@code POST /api/v1/status}: the heartbeat goes to {@link AgentReports}; a change of the agent's
 * endpoints or facts is written to its membership Secret, where the Peer reconciler reads it (rare:
 * a new address, a resized machine).
 */
@Singleton
public class StatusService {
  private final AgentReports reports;
  private final Memberships memberships;

  private final AgentDirectory directory;

  public StatusService(AgentReports reports, Memberships memberships, AgentDirectory directory) {
    this.reports = reports;
    this.memberships = memberships;
    this.directory = directory;
  }

  /** The shortest interval, in whole seconds, the answer asks the agent to report at (0: any). */
  public long shortestReportIntervalSeconds() {
    return reports.shortestReportIntervalSeconds();
  }

  public void accept(Peer peer, StatusReport report) {
    String namespace = peer.getMetadata().getNamespace();
    String name = peer.getMetadata().getName();
    // an agent speaks for itself only: endpoints others can reach, replicas on its own subnet
    Validation.reachableEndpoints(
        report.endpoints(),
        directory
            .cluster(namespace, peer.getSpec().getClusterRef().getName())
            .map(c -> c.getSpec().getNetwork().getCidr())
            .orElse(null));
    Validation.replicaAddresses(
        report.replicas(), peer.getStatus() == null ? null : peer.getStatus().getSubnet());
    memberships
        .secret(namespace, name)
        .ifPresent(
            secret ->
                AgentSecrets.membership(secret)
                    .ifPresent(
                        known -> {
                          List<String> endpoints =
                              report.endpoints() == null ? known.endpoints() : report.endpoints();
                          var facts = report.facts() == null ? known.facts() : report.facts();
                          if (!endpoints.equals(known.endpoints())
                              || !Objects.equals(facts, known.facts())) {
                            // a report that crossed a rotation loses: the next one writes again
                            memberships.writeIfUnchanged(
                                secret,
                                AgentSecrets.agentSecret(peer, known.reporting(endpoints, facts)));
                          }
                        }));
    reports.accept(peer, report);
  }
}
