package io.meshfed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "describe",
    mixinStandardHelpOptions = true,
    description = {
      "The cluster at a glance: its peers, pools and workloads, capacity and what is allocated.",
      "Workloads that cannot be placed say why."
    })
final class Describe implements Callable<Integer> {
  enum Output {
    table,
    wide,
    json,
    yaml
  }

  @ParentCommand KubectlMeshfed root;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "CLUSTER", description = "The MeshCluster's name.")
  String cluster;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table, wide, json or yaml (default: ${DEFAULT-VALUE}).")
  Output output;

  @Override
  public Integer call() throws Exception {
    try (KubeReads client = root.reads()) {
      ClusterSnapshot snapshot = ClusterSnapshot.read(client, root.namespace(client), cluster);
      var out = spec.commandLine().getOut();
      switch (output) {
        case json ->
            out.println(
                new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(DescribeView.document(snapshot)));
        case yaml ->
            out.print(
                new ObjectMapper(new YAMLFactory())
                    .writeValueAsString(DescribeView.document(snapshot)));
        default -> out.print(DescribeView.text(snapshot, Instant.now(), output == Output.wide));
      }
      out.flush();
      return 0;
    }
  }
}
