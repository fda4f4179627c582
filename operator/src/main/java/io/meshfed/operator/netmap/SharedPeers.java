package io.meshfed.operator.netmap;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.agent.MapPeer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * A cluster's peers as one JSON array, serialized once per map version and shared by every full map
 * of that version: each agent's copy leaves out the agent's own entry by skipping its bytes.
 * Serializing the whole mesh once per agent made a full-map storm (every agent after an operator
 * restart) cost N² bytes of heap and CPU; this costs N once.
 */
public final class SharedPeers {
  static final ObjectMapper JSON = new ObjectMapper();

  private final byte[] json;

  /** Entry name to its [start, end) in {@link #json}. */
  private final Map<String, int[]> spans;

  private SharedPeers(byte[] json, Map<String, int[]> spans) {
    this.json = json;
    this.spans = spans;
  }

  static SharedPeers of(Collection<MapPeer> peers) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, peers.size() * 200));
    Map<String, int[]> spans = new HashMap<>(peers.size() * 2);
    out.write('[');
    boolean first = true;
    try {
      for (MapPeer peer : peers) {
        if (!first) {
          out.write(',');
        }
        first = false;
        int start = out.size();
        out.write(JSON.writeValueAsBytes(peer));
        spans.put(peer.name(), new int[] {start, out.size()});
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write(']');
    return new SharedPeers(out.toByteArray(), spans);
  }

  /** The array without {@code name}'s entry (as it is when there is none). */
  void writeExcluding(String name, OutputStream out) throws IOException {
    int[] span = spans.get(name);
    if (span == null) {
      out.write(json);
    } else if (spans.size() == 1) {
      out.write('[');
      out.write(']');
    } else if (span[1] < json.length - 1) {
      out.write(json, 0, span[0]); // up to the entry, then past the comma that follows it
      out.write(json, span[1] + 1, json.length - span[1] - 1);
    } else {
      out.write(json, 0, span[0] - 1); // the last entry: drop the comma before it
      out.write(']');
    }
  }
}
