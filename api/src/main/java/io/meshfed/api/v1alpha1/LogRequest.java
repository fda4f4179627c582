package io.meshfed.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A request to read a replica's output, made by {@code kubectl meshfed logs}. Who may create one in
 * a namespace may read the logs of its workloads (as {@code pods/log} for pods). It carries the
 * SHA-256 of a one-time ticket, never the ticket; the plugin presents the ticket to the operator's
 * agent API, which asks the replica's agent to send the output. Logs never pass through the
 * Kubernetes API's storage. Used once; the operator deletes requests older than ten minutes.
 */
@Group(MeshfedApi.GROUP)
@Version(MeshfedApi.VERSION)
@ValidationRule(value = "has(self.spec)", message = "spec is required")
@ShortNames("logreq")
@AdditionalPrinterColumn(name = "Workload", jsonPath = ".spec.workload", type = Type.STRING)
@AdditionalPrinterColumn(name = "Replica", jsonPath = ".spec.replica", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Follow", jsonPath = ".spec.follow", type = Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Served", jsonPath = ".status.servedAt", type = Type.DATE)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class LogRequest extends CustomResource<LogRequestSpec, LogRequestStatus>
    implements Namespaced {}
