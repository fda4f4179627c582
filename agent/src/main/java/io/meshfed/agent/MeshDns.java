package io.meshfed.agent;

import io.meshfed.api.agent.DnsRecord;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Answers DNS (UDP) for the cluster's domain with the names the map carries: {@code
 * <workload>.<domain>} gives the addresses of its running replicas. Other names are refused: this
 * is not a recursive resolver.
 */
public final class MeshDns implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(MeshDns.class.getName());

  /** Short: replicas come and go, and the map is the truth. */
  static final long TTL_SECONDS = 5;

  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");

  private volatile String domain;
  private volatile Map<String, List<InetAddress>> records = Map.of();
  private final List<DatagramSocket> sockets = new ArrayList<>();
  private volatile boolean closed;

  public MeshDns(String domain) {
    this.domain = normalize(domain);
  }

  /** Starts answering on these addresses (e.g. the mesh address, port 53). */
  public synchronized void listen(InetSocketAddress address) throws SocketException {
    DatagramSocket socket = new DatagramSocket(address);
    sockets.add(socket);
    Thread thread = new Thread(() -> serve(socket), "dns-" + address);
    thread.setDaemon(true);
    thread.start();
    LOG.info("answering DNS for " + domain + " on " + address);
  }

  public void update(String domain, List<DnsRecord> dns) {
    Map<String, List<InetAddress>> next = new HashMap<>();
    for (DnsRecord record : dns) {
      List<InetAddress> addresses = new ArrayList<>();
      for (String address : record.addresses()) {
        try {
          if (!IPV4.matcher(address).matches()) {
            throw new UnknownHostException(address);
          }
          addresses.add(InetAddress.getByName(address)); // a literal: no lookup
        } catch (UnknownHostException e) {
          LOG.warning("DNS record " + record.name() + ": not an IPv4 address: " + address);
        }
      }
      next.put(normalize(record.name()), addresses);
    }
    this.domain = normalize(domain);
    this.records = next;
  }

  /** The answer to one query, as bytes on the wire. */
  byte[] answer(byte[] query) throws IOException {
    Message request = new Message(query);
    Message response = new Message(request.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    if (request.getHeader().getFlag(Flags.RD)) {
      response.getHeader().setFlag(Flags.RD);
    }
    Record question = request.getQuestion();
    if (question == null || request.getHeader().getOpcode() != Opcode.QUERY) {
      response.getHeader().setRcode(Rcode.FORMERR);
      return response.toWire();
    }
    response.addRecord(question, Section.QUESTION);
    Name name = question.getName();
    String key = normalize(name.toString());
    if (!(key.equals(domain) || key.endsWith("." + domain))) {
      response.getHeader().setRcode(Rcode.REFUSED);
      return response.toWire();
    }
    response.getHeader().setFlag(Flags.AA);
    List<InetAddress> addresses = records.get(key);
    if (addresses == null) {
      response.getHeader().setRcode(Rcode.NXDOMAIN);
    } else if (question.getType() == Type.A || question.getType() == Type.ANY) {
      for (InetAddress address : addresses) {
        response.addRecord(new ARecord(name, DClass.IN, TTL_SECONDS, address), Section.ANSWER);
      }
    } // other types of a known name: no data, no error
    return response.toWire(512);
  }

  private void serve(DatagramSocket socket) {
    byte[] buffer = new byte[4096];
    while (!closed) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
        byte[] query = Arrays.copyOf(packet.getData(), packet.getLength());
        byte[] reply = answer(query);
        socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
      } catch (IOException e) {
        if (!closed) {
          LOG.log(Level.FINE, "DNS query", e); // a malformed packet: drop it
        }
      }
    }
  }

  private static String normalize(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  @Override
  public synchronized void close() {
    closed = true;
    sockets.forEach(DatagramSocket::close);
    sockets.clear();
  }
}
