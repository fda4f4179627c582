package io.meshfed.operator.agentapi;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.join.Memberships;
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
  private final KubernetesClient client;

  public StatusService(AgentReports reports, Memberships memberships, KubernetesClient client) {
    this.reports = reports;
    this.memberships = memberships;
    this.client = client;
  }

  public void accept(Peer peer, StatusReport report) {
    String namespace = peer.getMetadata().getNamespace();
    String name = peer.getMetadata().getName();
    memberships
        .membership(namespace, name)
        .ifPresent(
            known -> {
              List<String> endpoints =
                  report.endpoints() == null ? known.endpoints() : report.endpoints();
              var facts = report.facts() == null ? known.facts() : report.facts();
              if (!endpoints.equals(known.endpoints()) || !Objects.equals(facts, known.facts())) {
                var updated =
                    new AgentSecrets.Membership(
                        known.credentialHash(), known.publicKey(), endpoints, facts);
                client
                    .resource(AgentSecrets.agentSecret(peer, updated))
                    .fieldManager("meshfed-agent-api")
                    .forceConflicts()
                    .serverSideApply();
              }
            });
    reports.accept(peer, report);
  }
}
