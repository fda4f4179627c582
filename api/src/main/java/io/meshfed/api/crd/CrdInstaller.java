package io.meshfed.api.crd;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Installs the committed CRDs (the {@code crds/} directory) and waits until the server serves them.
 */
public final class CrdInstaller {
  private CrdInstaller() {}

  /** Server-side applies every {@code *.yaml} CRD in the directory; returns their names. */
  public static List<String> install(KubernetesClient client, Path directory) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(directory)) {
      files = list.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IOException("no CRDs in " + directory);
    }
    List<String> names = new ArrayList<>();
    for (Path file : files) {
      CustomResourceDefinition crd =
          client
              .getKubernetesSerialization()
              .unmarshal(Files.readString(file), CustomResourceDefinition.class);
      client.resource(crd).serverSideApply();
      names.add(crd.getMetadata().getName());
    }
    for (String name : names) {
      // an established CRD may report a status before it has conditions
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(name)
          .waitUntilCondition(
              c ->
                  c != null
                      && c.getStatus() != null
                      && c.getStatus().getConditions() != null
                      && c.getStatus().getConditions().stream()
                          .anyMatch(
                              cond ->
                                  "Established".equals(cond.getType())
                                      && "True".equals(cond.getStatus())),
              30,
              TimeUnit.SECONDS);
    }
    return names;
  }
}
