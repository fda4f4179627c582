package io.meshfed.operator.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback whose open connections can fall silent: bytes go on being read and are
 * dropped, nothing is closed — as a connection looks when the machine at its other end is gone
 * without a word. Connections made after that pass again.
 */
public final class SilencingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int target;
  private final AtomicInteger accepted = new AtomicInteger();
  private final List<Link> links = new CopyOnWriteArrayList<>();

  private static final class Link {
    final Socket client;
    final Socket server;
    volatile boolean silent;

    Link(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }
  }

  private SilencingProxy(int target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon("silencing-proxy", this::accept);
  }

  /** A proxy to this port on loopback. */
  public static SilencingProxy to(int port) throws IOException {
    return new SilencingProxy(port);
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** How many connections it took so far. */
  public int connectionsAccepted() {
    return accepted.get();
  }

  /** The connections open now pass nothing more, either way, and stay open. */
  public void silenceOpenConnections() {
    links.forEach(link -> link.silent = true);
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket();
        server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target));
        accepted.incrementAndGet();
        Link link = new Link(client, server);
        links.add(link);
        pump(link, client, server);
        pump(link, server, client);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void pump(Link link, Socket from, Socket to) throws IOException {
    InputStream in = from.getInputStream();
    OutputStream out = to.getOutputStream();
    daemon(
        "silencing-proxy-pump",
        () -> {
          byte[] buffer = new byte[16 * 1024];
          try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
              if (!link.silent) {
                out.write(buffer, 0, n);
                out.flush();
              }
            }
            if (!link.silent) {
              to.shutdownOutput();
            }
          } catch (IOException e) {
            // either side closed: the other pump ends with it
          }
        });
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Link link : links) {
      link.client.close();
      link.server.close();
    }
  }
}
