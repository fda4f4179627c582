package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** main builds only the subcommand it runs; the words it reads before picocli must be picocli's. */
class CommandWordTest {
  @Test
  void theCommandWordSkipsGlobalOptionsAndTheirValues() {
    assertThat(KubectlMeshfed.commandWord(new String[] {"describe", "prod"})).isEqualTo("describe");
    assertThat(
            KubectlMeshfed.commandWord(
                new String[] {"--context", "describe", "troubleshoot", "prod"}))
        .isEqualTo("troubleshoot");
    assertThat(
            KubectlMeshfed.commandWord(
                new String[] {"-n", "team", "--kubeconfig=/k", "grow", "prod"}))
        .isEqualTo("grow");
    assertThat(KubectlMeshfed.commandWord(new String[] {"--version"})).isNull();
    assertThat(KubectlMeshfed.commandWord(new String[] {"--", "describe"})).isNull();
  }

  @Test
  void mainRunsWithoutASubcommand() {
    assertThat(KubectlMeshfed.run(new String[] {"--version"})).isZero();
    assertThat(KubectlMeshfed.run(new String[] {}))
        .as("usage, and a missing subcommand is an error")
        .isEqualTo(2);
    assertThat(KubectlMeshfed.run(new String[] {"--kubeconfig", "/nowhere", "describe", "prod"}))
        .as(
            "the early read path fails quietly; the command calls the unreadable --kubeconfig a usage error")
        .isEqualTo(2);
  }

  @Test
  void globalOptionsAreReadOnlyBeforeTheSubcommand() {
    String[] args = {
      "--kubeconfig", "/a", "--context=staging", "describe", "prod", "--context", "other"
    };
    assertThat(KubectlMeshfed.globalOption(args, "--kubeconfig")).isEqualTo("/a");
    assertThat(KubectlMeshfed.globalOption(args, "--context")).isEqualTo("staging");
    assertThat(
            KubectlMeshfed.globalOption(new String[] {"-n", "--context", "describe"}, "--context"))
        .as("a namespace called --context")
        .isNull();
  }

  @Test
  void aNamedSubcommandIsBuiltAloneAndHelpStillListsThemAll() {
    var describe = KubectlMeshfed.commandLine(new String[] {"--context", "x", "describe", "prod"});
    assertThat(describe.getSubcommands().keySet()).containsExactly("describe");

    var help = KubectlMeshfed.commandLine(new String[] {"--help"});
    assertThat(help.getSubcommands().keySet())
        .containsExactly(
            "describe",
            "join-command",
            "troubleshoot",
            "dashboard",
            "logs",
            "grow",
            "shrink",
            "rotate-keys",
            "rotate-ca",
            "switch",
            "disconnect",
            "generate-completion",
            "help");
    StringWriter usage = new StringWriter();
    help.setOut(new PrintWriter(usage));
    assertThat(help.execute("--help")).isZero();
    assertThat(usage.toString()).contains("join-command", "troubleshoot", "generate-completion");

    var typo = KubectlMeshfed.commandLine(new String[] {"desribe", "prod"});
    StringWriter error = new StringWriter();
    typo.setErr(new PrintWriter(error));
    assertThat(typo.execute("desribe", "prod")).isEqualTo(2);
    assertThat(error.toString())
        .as("picocli's suggestion needs every command")
        .contains("describe");
  }
}
