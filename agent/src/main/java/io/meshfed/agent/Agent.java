package io.meshfed.agent;

import io.meshfed.api.agent.ApiError;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyRotation;
import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.agent.Tokens;
import io.meshfed.provider.spi.Ipv4;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The agent's life: join once, then keep the interface in line with the map the operator sends and
 * report a heartbeat. When the operator cannot be reached it keeps the last map, so the mesh goes
 * on working, and comes back with backoff and jitter.
 */
public final class Agent {
  private static final Logger LOG = Logger.getLogger(Agent.class.getName());
  private static final int CONFLICT = 409;
  private static final int SERVER_ERROR = 500;

  /**
   * Where the cluster's DNS is answered: the mesh address and the extra addresses, on one port.
   *
   * @param port 53 unless testing
   * @param extraAddresses e.g. 127.0.0.1 in a local peer's namespace, where its resolv.conf points
   */
  public record DnsSettings(int port, List<String> extraAddresses) {}

  /** How to join, when there is no membership yet. */
  public record JoinSettings(String server, String caHash, String token, String name) {}

  private final AgentState state;
  private final WireGuard wireGuard;
  private volatile WireGuardImplementation implementation;
  private final Duration statusInterval;
  private final List<String> advertisedEndpoints;
  private final Replicas replicas;

  /** Probes run on their own threads: a probe may take its timeout, replicas do not wait. */
  private final Probes probes = new Probes(4);

  private final MeshDns dns = new MeshDns("mesh.internal");
  private final DnsSettings dnsSettings;
  private final Object reportNow = new Object();
  private final TunnelDigest tunnels = new TunnelDigest();
  private volatile AgentState.Membership membership;
  private volatile MeshView view;
  private volatile boolean running = true;

  public Agent(
      AgentState state,
      WireGuard wireGuard,
      Duration statusInterval,
      List<String> advertisedEndpoints,
      DnsSettings dnsSettings,
      String runtimeName,
      List<String> containerCommand,
      String processUser) {
    this.state = state;
    this.wireGuard = wireGuard;
    this.statusInterval = statusInterval;
    this.advertisedEndpoints = List.copyOf(advertisedEndpoints);
    this.dnsSettings = dnsSettings;
    ReplicaRuntime runtime;
    switch (runtimeName) {
      case "podman":
      case "docker":
        runtime =
            new ContainerRuntime(
                    runtimeName,
                    containerCommand.isEmpty() ? List.of(runtimeName) : containerCommand,
                    () -> membership.self())
                .labelledFor(state.dir());
        break;
      case "process":
        try {
          Optional<ProcessRuntime.RunAs> runAs = ProcessRuntime.RunAs.of(processUser);
          if (runAs.isPresent()) {
            ProcessRuntime.letReplicasThrough(
                List.of(state.dir(), state.dir().resolve("replicas")));
          }
          runtime =
              new ProcessRuntime(
                  () -> membership == null ? null : membership.self().meshAddress(),
                  Map.of(),
                  runAs);
        } catch (IOException e) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
        break;
      default:
        throw new IllegalArgumentException(
            "--runtime must be process, podman or docker, not " + runtimeName);
    }
    this.replicas =
        new Replicas(runtime, state.dir().resolve("replicas"), Clock.systemUTC(), probes::run);
  }

  /** Joins unless this state directory already holds a membership: a restart never re-joins. */
  public void joinIfNeeded(JoinSettings join) throws InterruptedException {
    Optional<AgentState.Membership> known = state.membership();
    if (known.isPresent()) {
      membership = known.get();
      LOG.info(
          () ->
              "already joined as "
                  + membership.namespace()
                  + "/"
                  + membership.peer()
                  + " ("
                  + membership.self().meshAddress()
                  + "); not joining again");
      return;
    }
    state.ensurePrivateKey();
    String publicKey = WireGuard.publicKeyOf(state.privateKey());
    CoordinationClient client = new CoordinationClient(join.server(), join.caHash());
    Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
    while (true) {
      try {
        JoinRequest request =
            new JoinRequest(
                join.token(), join.name(), publicKey, endpoints(51820), Facts.gather(null));
        JoinResponse response = client.join(request, Files.readString(state.privateKey()).strip());
        membership =
            new AgentState.Membership(
                join.server(),
                join.caHash(),
                response.namespace(),
                response.peer(),
                response.credential(),
                response.self());
        state.saveMembership(membership);
        LOG.info(
            () ->
                "joined as "
                    + response.namespace()
                    + "/"
                    + response.peer()
                    + " with mesh address "
                    + response.self().meshAddress());
        return;
      } catch (CoordinationClient.Refused e) {
        // a bad token stays bad; try again slowly in case an operator fixes it on the server side
        LOG.severe("join refused: " + e.getMessage());
        Thread.sleep(backoff.next().toMillis());
      } catch (IOException e) {
        LOG.warning("join: cannot reach " + join.server() + ": " + e);
        Thread.sleep(backoff.next().toMillis());
      }
    }
  }

  /** Brings up the interface from what is on disk, then follows the operator until stopped. */
  public void run() throws InterruptedException {
    if (membership == null) {
      membership =
          state
              .membership()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "not joined: run `meshfed-agent join` first (state directory "
                              + state.dir()
                              + ")"));
    }
    state.ensurePrivateKey();
    implementation = wireGuard.ensureInterface(state.wireGuardImplementation());
    state.saveWireGuardImplementation(implementation);
    wireGuard.configure(state.privateKey(), membership.self());
    view = state.lastMap().map(MeshView::of).orElseGet(MeshView::new);
    int changed = wireGuard.syncPeers(view.peers(), membership.self());
    LOG.info(
        "interface "
            + wireGuard.name()
            + " up with "
            + view.peers().size()
            + " peers from the last map ("
            + changed
            + " changed)");
    startDns();
    replicas.assign(
        view.replicas()); // what ran before the restart runs on, found again, not doubled
    Thread supervisor = new Thread(this::superviseReplicas, "replicas");
    supervisor.setDaemon(true);
    supervisor.start();

    CoordinationClient client = new CoordinationClient(membership.server(), membership.pins());
    Thread reporter = new Thread(() -> reportLoop(client), "status");
    reporter.setDaemon(true);
    reporter.start();
    Thread paths = new Thread(this::findPaths, "paths");
    paths.setDaemon(true);
    paths.start();
    try {
      followMap(client);
    } finally {
      running = false;
      reporter.interrupt();
      supervisor.interrupt();
      paths.interrupt();
      probes.close();
      dns.close();
    }
  }

  private void startDns() {
    SelfConfig self = membership.self();
    dns.update(domainOf(self), view.dns());
    List<String> addresses = new ArrayList<>();
    addresses.add(self.meshAddress());
    addresses.addAll(dnsSettings.extraAddresses());
    for (String address : addresses) {
      try {
        dns.listen(new InetSocketAddress(InetAddress.getByName(address), dnsSettings.port()));
      } catch (IOException e) {
        LOG.warning(
            "cannot answer DNS on "
                + address
                + ":"
                + dnsSettings.port()
                + ": "
                + e.getMessage()
                + "; names under "
                + domainOf(self)
                + " will not resolve there");
      }
    }
  }

  private static String domainOf(SelfConfig self) {
    return self.domain() == null ? "mesh.internal" : self.domain();
  }

  /**
   * Every second, and at once when told: replicas that exited start again, status goes out when it
   * changed.
   */
  private void superviseReplicas() {
    while (running) {
      try {
        if (replicas.tick()) {
          reportSoon();
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "supervising replicas", e);
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  public void stop() {
    running = false;
  }

  /**
   * Every two seconds: peers that do not answer at one candidate endpoint are tried at the next.
   */
  private void findPaths() {
    EndpointTrials trials = new EndpointTrials();
    while (running) {
      try {
        MeshView current = view;
        WgDump dump = wireGuard.dump(); // once per round: the key check and the trials share it
        if (wireGuard.holdsAnotherKey(dump, state.privateKey())) {
          // a configuration that failed half-way (or a hand edit): the key on disk is the one
          // the operator holds, so the interface takes it again
          LOG.warning(
              "the interface holds another key than " + state.privateKey() + "; setting it");
          wireGuard.configure(state.privateKey(), membership.self());
        }
        int changed =
            wireGuard.apply(
                trials.tick(dump, current.peers(), membership.self().site(), Instant.now()));
        if (changed > 0) {
          LOG.fine("trying the next endpoint of " + changed + " peers");
        }
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "finding paths", e);
      }
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void followMap(CoordinationClient client) throws InterruptedException {
    Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
    LogUploads uploads =
        new LogUploads(
            replicas::output,
            new LogUploads.Sink() {
              @Override
              public int chunk(String stream, byte[] bytes) throws Exception {
                return client.logChunk(membership.credential(), membership.peer(), stream, bytes);
              }

              @Override
              public void end(String stream, ApiError error) throws Exception {
                client.logEnd(membership.credential(), membership.peer(), stream, error);
              }
            });
    while (running) {
      try {
        Optional<NetMap> map =
            client.netmap(membership.credential(), membership.peer(), view.version());
        backoff.reset();
        if (map.isPresent() && map.get().logFetches() != null) {
          uploads.start(map.get().logFetches());
        }
        if (map.isPresent() && !map.get().onlyLogFetches()) {
          apply(map.get());
        }
      } catch (CoordinationClient.Refused e) {
        LOG.warning("netmap refused: " + e.getMessage() + "; keeping the last map");
        Thread.sleep(backoff.next().toMillis());
      } catch (IOException e) {
        LOG.log(Level.FINE, "netmap", e);
        LOG.warning("operator unreachable (" + e + "); keeping the last map");
        Thread.sleep(backoff.next().toMillis());
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "applying the map failed; trying again", e);
        Thread.sleep(backoff.next().toMillis());
      }
    }
  }

  private void apply(NetMap map) {
    MeshView next = view.version() == null && !map.full() ? new MeshView() : copyOf(view);
    boolean peersChanged = next.apply(map);
    if (map.self() != null && !map.self().equals(membership.self())) {
      updateMembership(m -> m.withSelf(map.self()));
      wireGuard.configure(state.privateKey(), map.self());
    }
    int changed =
        peersChanged || map.full() || map.self() != null
            ? wireGuard.syncPeers(next.peers(), membership.self())
            : 0;
    state.saveMap(next.snapshot());
    view = next;
    if (map.self() != null && map.self().rotateKey() != null) {
      reportSoon(); // the status loop rotates the key: now, not at its next interval
    }
    if (map.dns() != null || map.self() != null) {
      dns.update(domainOf(membership.self()), next.dns());
    }
    if (map.replicas() != null) {
      replicas.assign(next.replicas());
      if (replicas.tick()) {
        reportSoon();
      }
    }
    LOG.info(
        "map "
            + map.version()
            + (map.full() ? " (full)" : " (delta)")
            + ": "
            + next.peers().size()
            + " peers, "
            + changed
            + " changed on "
            + wireGuard.name());
  }

  private static MeshView copyOf(MeshView view) {
    return view.version() == null ? new MeshView() : MeshView.of(view.snapshot());
  }

  /** A replica's state changed: the status goes out now, not at the next interval. */
  private void reportSoon() {
    synchronized (reportNow) {
      reportNow.notifyAll();
    }
  }

  private void reportLoop(CoordinationClient client) {
    Backoff backoff = new Backoff(Duration.ofSeconds(1), statusInterval.multipliedBy(3));
    while (running) {
      Duration wait = statusInterval;
      try {
        rotateKeyIfAsked(client);
        CoordinationClient.StatusAnswer answer = client.report(membership.credential(), report());
        followTrustBundle(client, answer.caHashes());
        // a large fleet is asked to report less often than the agent's own interval
        wait = answer.shortestInterval().compareTo(wait) > 0 ? answer.shortestInterval() : wait;
        backoff.reset();
      } catch (CoordinationClient.Refused e) {
        LOG.warning("status refused: " + e.getMessage());
        wait = backoff.next();
      } catch (IOException e) {
        LOG.fine("status: " + e);
        wait = backoff.next();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "reporting status failed; trying again", e);
        wait = backoff.next();
      } catch (InterruptedException e) {
        return;
      }
      try {
        synchronized (reportNow) {
          reportNow.wait(wait.toMillis()); // a replica's change cuts the wait short
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * The operator asks for a new key (the map's self config names a request this agent has not
   * answered): make it, prove it, and once the operator holds it switch the interface to it. Peers
   * learn the new key from their next map; until then their handshakes with this peer wait, so a
   * pair loses at most the map's delivery time.
   */
  private void rotateKeyIfAsked(CoordinationClient client)
      throws IOException, InterruptedException, CoordinationClient.Refused {
    // (the challenge itself may be refused: then the status report waits with it)
    String asked = membership.self().rotateKey();
    if (asked != null && asked.equals(state.lastRotation().orElse(null))) {
      asked = null;
    }
    // a rotation whose answer never came is finished even after the map stopped asking for it
    // (the operator took it): the same key and credential again get the same answer
    String request = asked != null ? asked : state.pendingRotation().orElse(null);
    if (request == null) {
      return;
    }
    state.beginRotation(request);
    Path next = state.nextPrivateKey();
    String nextCredential = state.nextCredential();
    KeyRotation rotation =
        KeyRotation.proven(
            membership.peer(),
            request,
            membership.credential(),
            client.challenge(),
            Files.readString(next).strip(),
            nextCredential);
    KeyRotation.Accepted accepted;
    try {
      accepted = client.rotateKey(membership.credential(), rotation);
    } catch (CoordinationClient.Refused e) {
      if (asked == null && e.status() != CONFLICT && e.status() < SERVER_ERROR) {
        // not asked any more and not taken (a taken key gets the same answer before any check)
        state.abandonRotation();
        LOG.warning(
            "key rotation "
                + request
                + " refused: "
                + e.getMessage()
                + "; keeping the current key");
        return;
      }
      LOG.warning("key rotation " + request + " refused: " + e.getMessage() + "; trying again");
      return;
    }
    if (!rotation.publicKey().equals(accepted.publicKey())) {
      throw new IOException("the operator kept another key: " + accepted.publicKey());
    }
    // the new credential first: the operator takes the old one away at its first use
    updateMembership(
        m ->
            m.withCredential(
                Tokens.format(Tokens.Kind.PEER, m.namespace(), m.peer(), nextCredential)));
    state.finishRotation(request);
    wireGuard.configure(state.privateKey(), membership.self());
    LOG.info("rotated the WireGuard key (request " + request + "): " + rotation.publicKey());
  }

  /**
   * The operator names the CAs to trust (over TLS this agent already trusts): pin exactly those
   * from now on, so a rotated CA is trusted before it signs and the old one is dropped after.
   */
  private void followTrustBundle(CoordinationClient client, List<String> bundle) {
    if (bundle.isEmpty() || bundle.equals(membership.pins())) {
      return;
    }
    client.repin(bundle);
    updateMembership(m -> m.withPins(bundle));
    LOG.info("trusting the agent API CAs " + bundle);
  }

  /** Changes and saves the membership; the map, status and rotation threads all change it. */
  private synchronized void updateMembership(UnaryOperator<AgentState.Membership> change) {
    membership = change.apply(membership);
    state.saveMembership(membership);
  }

  StatusReport report() {
    WgDump dump = wireGuard.dump();
    MeshView current = view;
    boolean gateway = Boolean.TRUE.equals(membership.self().relay());
    // a gateway lists every tunnel: what it receives from the peers it relays for is metered
    TunnelDigest.Digest digest =
        gateway
            ? new TunnelDigest.Digest(TunnelDigest.every(dump.peers().values()), null)
            : tunnels.digest(
                dump.peers().values(),
                current == null
                    ? Set.of()
                    : current.peers().stream().map(MapPeer::publicKey).collect(Collectors.toSet()),
                Instant.now().getEpochSecond());
    return new StatusReport(
        membership.peer(),
        current == null ? null : current.version(),
        endpoints(dump.listenPort()),
        Facts.gather(implementation == null ? null : implementation.describe()),
        digest.handshakes(),
        replicas.statuses(),
        membership.pins(),
        digest.tunnels());
  }

  private List<String> endpoints(int listenPort) {
    if (!advertisedEndpoints.isEmpty()) {
      return advertisedEndpoints;
    }
    // not the mesh's own addresses (a container bridge holds one of this peer's subnet)
    String mesh = membership == null ? null : membership.self().clusterCidr();
    return Facts.endpoints(wireGuard.name(), listenPort).stream()
        .filter(e -> mesh == null || !Ipv4.inside(e.substring(0, e.indexOf(':')), mesh))
        .toList();
  }
}
