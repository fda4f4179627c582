package io.meshfed.cli;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshfed.api.v1alpha1.MeshfedApi;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "rotate-ca",
    mixinStandardHelpOptions = true,
    description = {
      "Asks the operator to replace the agent API's CA, which every agent pins.",
      "The next CA reaches every agent with its next status answer and signs once all that",
      "report trust it; agents follow without joining again. Join commands printed before the",
      "switch pin the old CA: print them again after it (the clusters' status.caHash changes)."
    })
final class RotateCa implements Callable<Integer> {
  @ParentCommand KubectlMeshfed root;

  @Spec CommandSpec spec;

  @Option(
      names = "--operator-namespace",
      defaultValue = "meshfed-system",
      description = "Where the operator runs and keeps its CA (default: ${DEFAULT-VALUE}).")
  String operatorNamespace;

  @Override
  public Integer call() throws Exception {
    try (KubernetesClient client = root.client()) {
      var ca =
          client.secrets().inNamespace(operatorNamespace).withName(MeshfedApi.AGENT_API_CA_SECRET);
      Secret existing = ca.get();
      if (existing == null) {
        throw new KubectlMeshfed.NotFound(
            "no secret/"
                + MeshfedApi.AGENT_API_CA_SECRET
                + " in namespace "
                + operatorNamespace
                + ": is the operator there (--operator-namespace), or does it serve a certificate"
                + " you manage? Then rotate that with its issuer and put both CAs in its ca.crt.");
      }
      String request = RotateKeys.requestAt(Clock.systemUTC().instant());
      ca.patch(
          PatchContext.of(PatchType.JSON_MERGE),
          client
              .getKubernetesSerialization()
              .asJson(
                  Map.of(
                      "metadata",
                      Map.of("annotations", Map.of(MeshfedApi.ROTATE_CA_ANNOTATION, request)))));
      var out = spec.commandLine().getOut();
      out.printf(
          "secret/%s asked to rotate (%s); the operator's log and events follow it%n",
          MeshfedApi.AGENT_API_CA_SECRET, request);
      out.flush();
      return 0;
    }
  }
}
