package io.meshfed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Which cluster this machine is switched to: kept in the state directory as state.json. */
record ClientState(String namespace, String cluster, String peer, long pid, String iface) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Optional<ClientState> read(Path dir) throws IOException {
    Path file = dir.resolve("state.json");
    return Files.exists(file)
        ? Optional.of(JSON.readValue(file.toFile(), ClientState.class))
        : Optional.empty();
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    JSON.writeValue(dir.resolve("state.json").toFile(), this);
  }
}
