package io.meshfed.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.operator.peer.PeerReconciler;
import io.meshfed.provider.aws.AwsMachineProvider;
import io.meshfed.provider.azure.AzureMachineProvider;
import io.meshfed.provider.digitalocean.DigitalOceanMachineProvider;
import io.meshfed.provider.gcp.GcpMachineProvider;
import io.meshfed.provider.local.LocalMachineProvider;
import io.meshfed.provider.spi.MachineProvider;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The operator's packages form no cycle, and no provider sees an operator type. Read from the
 * compiled classes: every name a class file mentions (its constant pool: classes, descriptors,
 * signatures) counts as a dependency.
 */
class PackageDependenciesTest {
  private static final Pattern OPERATOR_TYPE = Pattern.compile("io/meshfed/operator/([a-z]+)/");

  @Test
  void operatorPackagesFormNoCycle() throws Exception {
    Map<String, Set<String>> graph = packageGraph(location(PeerReconciler.class));
    assertThat(graph)
        .as("the scan found the packages")
        .containsKeys("peer", "netmap", "join", "agentapi");
    List<List<String>> cycles = cycles(graph);
    assertThat(cycles)
        .as("package cycles (each: packages that reach each other), in %s", graph)
        .isEmpty();
  }

  @Test
  void providersNeverSeeOperatorTypes() throws Exception {
    for (Class<?> provider :
        List.of(
            MachineProvider.class,
            LocalMachineProvider.class,
            AwsMachineProvider.class,
            GcpMachineProvider.class,
            AzureMachineProvider.class,
            DigitalOceanMachineProvider.class)) {
      Set<String> seen = new TreeSet<>();
      forEachClass(
          location(provider),
          (name, strings) -> {
            for (String s : strings) {
              if (s.contains("io/meshfed/operator/")) {
                seen.add(name + " → " + s);
              }
            }
          });
      assertThat(seen).as(provider.getSimpleName() + "'s module").isEmpty();
    }
  }

  /** The scan itself: a cycle between two packages is found. */
  @Test
  void aCycleIsFound() {
    Map<String, Set<String>> graph = new TreeMap<>();
    graph.put("a", Set.of("b"));
    graph.put("b", Set.of("c"));
    graph.put("c", Set.of("a"));
    graph.put("d", Set.of("a"));
    assertThat(cycles(graph)).containsExactly(List.of("a", "b", "c"));
  }

  /** Package (below io.meshfed.operator) to the packages its classes mention. */
  static Map<String, Set<String>> packageGraph(Path classes) throws IOException {
    Map<String, Set<String>> graph = new TreeMap<>();
    forEachClass(
        classes,
        (name, strings) -> {
          Matcher own = OPERATOR_TYPE.matcher(name);
          if (!own.lookingAt()) {
            return; // the root package (none in main code) or another tree
          }
          String from = own.group(1);
          Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
          for (String s : strings) {
            Matcher m = OPERATOR_TYPE.matcher(s);
            while (m.find()) {
              if (!m.group(1).equals(from)) {
                to.add(m.group(1));
              }
            }
          }
        });
    return graph;
  }

  /** Strongly connected components of more than one package (Tarjan), each sorted. */
  static List<List<String>> cycles(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    List<List<String>> result = new ArrayList<>();
    int[] counter = {0};
    for (String node : graph.keySet()) {
      if (!index.containsKey(node)) {
        connect(node, graph, index, low, stack, onStack, result, counter);
      }
    }
    return result;
  }

  private static void connect(
      String node,
      Map<String, Set<String>> graph,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      List<List<String>> result,
      int[] counter) {
    index.put(node, counter[0]);
    low.put(node, counter[0]++);
    stack.push(node);
    onStack.add(node);
    for (String next : graph.getOrDefault(node, Set.of())) {
      if (!index.containsKey(next)) {
        connect(next, graph, index, low, stack, onStack, result, counter);
        low.put(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.contains(next)) {
        low.put(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node).equals(index.get(node))) {
      List<String> component = new ArrayList<>();
      String member;
      do {
        member = stack.pop();
        onStack.remove(member);
        component.add(member);
      } while (!member.equals(node));
      if (component.size() > 1) {
        component.sort(null);
        result.add(component);
      }
    }
  }

  interface ClassVisitor {
    void visit(String internalName, List<String> utf8Constants) throws IOException;
  }

  /** Every class file under a directory or in a jar, with the strings of its constant pool. */
  static void forEachClass(Path location, ClassVisitor visitor) throws IOException {
    if (Files.isDirectory(location)) {
      try (Stream<Path> files = Files.walk(location)) {
        for (Path file :
            (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
          try (InputStream in = Files.newInputStream(file)) {
            String name = location.relativize(file).toString().replace('\\', '/');
            visitor.visit(name, utf8Constants(in));
          }
        }
      }
      return;
    }
    try (JarFile jar = new JarFile(location.toFile())) {
      for (var entry : (Iterable<JarEntry>) jar.stream()::iterator) {
        if (entry.getName().endsWith(".class")) {
          try (InputStream in = jar.getInputStream(entry)) {
            visitor.visit(entry.getName(), utf8Constants(in));
          }
        }
      }
    }
  }

  /** The UTF-8 entries of a class file's constant pool (JVMS §4.4). */
  static List<String> utf8Constants(InputStream stream) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    List<String> strings = new ArrayList<>();
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> strings.add(in.readUTF());
        case 7, 8, 16, 19, 20 -> in.skipBytes(2);
        case 15 -> in.skipBytes(3);
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
        case 5, 6 -> {
          in.skipBytes(8);
          i++; // takes two entries
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    return strings;
  }

  static Path location(Class<?> type) throws URISyntaxException {
    return Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
