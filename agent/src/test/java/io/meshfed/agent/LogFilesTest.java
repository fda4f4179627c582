package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFilesTest {
  @TempDir Path dir;

  private static String read(InputStream in) throws Exception {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private Path file(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void allOfTheOutputIsTheRotatedFileThenTheCurrentOne() throws Exception {
    Path old = file("output.log.1", "a\nb\n");
    Path current = file("output.log", "c\n");
    assertThat(read(LogFiles.open(List.of(old, current), null, false))).isEqualTo("a\nb\nc\n");
    assertThat(read(LogFiles.open(List.of(dir.resolve("missing"), current), null, false)))
        .isEqualTo("c\n");
  }

  @Test
  void aTailCountsLinesBackAcrossTheRotationWithOrWithoutALastNewline() throws Exception {
    Path old = file("output.log.1", "a\nb\n");
    Path current = file("output.log", "c\nd\n");
    assertThat(read(LogFiles.open(List.of(old, current), 3, false))).isEqualTo("b\nc\nd\n");
    assertThat(read(LogFiles.open(List.of(old, current), 1, false))).isEqualTo("d\n");
    assertThat(read(LogFiles.open(List.of(old, current), 0, false))).isEmpty();
    assertThat(read(LogFiles.open(List.of(old, current), 10, false))).isEqualTo("a\nb\nc\nd\n");
    file("output.log", "c\nd"); // a last line still being written
    assertThat(read(LogFiles.open(List.of(old, current), 2, false))).isEqualTo("c\nd");
  }

  @Test
  void aTailOfManyLinesReadsBackOverSeveralBlocks() throws Exception {
    String lines =
        IntStream.range(0, 20_000).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining());
    Path current = file("output.log", lines);
    String tail = read(LogFiles.open(List.of(current), 15_000, false));
    assertThat(tail.lines()).hasSize(15_000);
    assertThat(tail).startsWith("line 5000\n").endsWith("line 19999\n");
  }

  @Test
  void followingGivesWhatIsWrittenLaterAndGoesOnAfterARotation() throws Exception {
    Path current = file("output.log", "old\n");
    InputStream in = LogFiles.open(List.of(current), 1, true);
    byte[] buffer = new byte[100];
    assertThat(new String(buffer, 0, in.read(buffer), StandardCharsets.UTF_8)).isEqualTo("old\n");
    CompletableFuture<String> next =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(buffer, 0, in.read(buffer), StandardCharsets.UTF_8);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Files.writeString(current, "new\n", StandardOpenOption.APPEND);
    assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("new\n");

    // copied away and emptied (ProcessRuntime.rotate): what comes after starts at 0
    Files.writeString(current, "");
    Thread.sleep(Duration.ofMillis(400).toMillis());
    Files.writeString(current, "after\n", StandardOpenOption.APPEND);
    assertThat(new String(buffer, 0, in.read(buffer), StandardCharsets.UTF_8)).isEqualTo("after\n");
    in.close();
    assertThat(in.read(buffer)).as("closed: the end").isEqualTo(-1);
  }
}
