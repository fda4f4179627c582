package io.meshfed.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The operator's settings, under {@code meshfed.*} (environment: {@code MESHFED_*}). */
@ConfigMapping(prefix = "meshfed")
public interface MeshfedConfig {

  Peer peer();

  Cluster cluster();

  Ipam ipam();

  AgentApi agentApi();

  LeaderElection leaderElection();

  Autoscaler autoscaler();

  Events events();

  /** Used in the profiles where leader election is on (prod). */
  interface LeaderElection {
    /** Namespace of the Lease; defaults to the operator's own namespace. */
    Optional<String> namespace();

    /** This replica's name in the Lease; defaults to host name plus a random suffix. */
    Optional<String> identity();

    /**
     * This replica's pod (in the Lease's namespace). When set, the pods say which replicas serve
     * agents ({@code meshfed.io/agent-api=serving}, the agent API Service's selector) and which one
     * leads ({@code meshfed.io/leader}): see {@code AgentApiRouting}.
     */
    Optional<String> pod();

    @WithDefault("15s")
    Duration leaseDuration();
  }

  interface Peer {
    /** A peer whose agent has not reported for this long becomes NotReady. */
    @WithDefault("40s")
    Duration heartbeatGrace();

    /** How soon to look again at a machine the provider is still creating or deleting. */
    @WithDefault("5s")
    Duration providerPollInterval();

    /** First wait after a retryable provider error; doubles per attempt up to the maximum. */
    @WithDefault("5s")
    Duration providerRetryInitial();

    @WithDefault("5m")
    Duration providerRetryMax();

    /** A machine not running this long after it was asked for is replaced. */
    @WithDefault("10m")
    Duration launchTimeout();

    /**
     * A running machine whose agent has not joined this long after it was asked for is replaced.
     */
    @WithDefault("15m")
    Duration joinTimeout();
  }

  interface Cluster {
    /** How soon to look again while a cluster's peers are being deleted. */
    @WithDefault("2s")
    Duration deletionPollInterval();

    /** While a credentials Secret a cluster names is missing, look for it this often. */
    @WithDefault("30s")
    Duration credentialsRecheckInterval();

    /**
     * A cluster is looked at at least this often, events or not: a safety net under event delivery
     * (an update that raced the operator's own status write was seen to go missing).
     */
    @WithDefault("30s")
    Duration resyncInterval();

    /** Cloud credentials that worked are checked again this often (one cheap call per provider). */
    @WithDefault("10m")
    Duration credentialsVerifyInterval();

    /** How often each cloud is asked for the cluster's machines to find ones no Peer owns. */
    @WithDefault("5m")
    Duration orphanScanInterval();

    /** A machine no Peer owns is deleted once it is this old (a Peer may be on its way). */
    @WithDefault("10m")
    Duration orphanGrace();
  }

  Scheduler scheduler();

  interface Autoscaler {
    /**
     * An autoscaled pool is looked at again this often, besides Peer and Workload events (idle
     * clocks).
     */
    @WithDefault("10s")
    Duration recheckInterval();
  }

  /**
   * Kubernetes Events the operator writes: {@code burst} at once, then {@code perSecond}; past that
   * they are dropped (counted in {@code meshfed_events_dropped_total}), as client-go's recorder
   * does. A thousand peers joining write nine events each; events are for people, and must not take
   * the API server's writes from the joins.
   */
  interface Events {
    @WithDefault("25")
    double perSecond();

    @WithDefault("100")
    int burst();
  }

  interface Scheduler {
    /** Replicas on a peer that has been NotReady (no heartbeat) this long move to other peers. */
    @WithDefault("60s")
    Duration notReadyGrace();

    /**
     * A workload with replicas that found no peer is looked at again this often, besides peer
     * events.
     */
    @WithDefault("30s")
    Duration unplacedRecheck();
  }

  interface Ipam {
    /** Conflicting writes to a cluster's allocation table tried again within one reconcile. */
    @WithDefault("10")
    int conflictRetries();

    /** When a cluster's address pool is full, look again this often. */
    @WithDefault("30s")
    Duration exhaustedRecheckInterval();
  }

  Local local();

  Providers providers();

  interface Providers {
    /**
     * The machine providers this operator may use (aws, gcp, azure, digitalocean, local); unset:
     * every one it carries. Peers of any other get ProviderNotInstalled. {@code static} is always
     * allowed: it makes nothing.
     */
    Optional<Set<String>> enabled();
  }

  interface AgentApi {
    /**
     * URL agents reach the agent API at: in MeshCluster status, join commands and bootstrap tokens.
     * Defaults to {@code https://localhost:<https port>} (the local provider turns loopback into
     * its bridge address).
     */
    Optional<String> endpoint();

    /**
     * URL the other operator replicas reach this one's agent API at (the chart: {@code https://<pod
     * IP>:8443}). When set, with leader election on and a pod named, every replica serves agents
     * and standbys pass what the leader holds on to it (decision 0026); unset, only the leader
     * serves.
     */
    Optional<String> replicaAddress();

    Tls tls();

    /**
     * The wireguard-go build served to installing machines whose kernel has no WireGuard ({@code
     * GET /api/v1/wireguard-go}); the operator image carries it at the default.
     */
    @WithDefault("/usr/lib/meshfed/wireguard-go")
    String wireguardGo();

    /**
     * Changes to the map within this window go out as one version; a longer window when the
     * cluster's agents would exceed {@link #mapAnswersPerSecond}.
     */
    @WithDefault("200ms")
    Duration coalesceWindow();

    /**
     * Map answers per second a cluster's versions may cost: every version is an answer to each of
     * its N agents, so past {@code N / this} the coalescing window grows with N (1 s at 5 000
     * agents, 2 s at 10 000) instead of the answers outgrowing the machine.
     */
    @WithDefault("5000")
    double mapAnswersPerSecond();

    /** How long a netmap request waits for a change before answering "nothing new". */
    @WithDefault("30s")
    Duration longPollTimeout();

    /**
     * Full maps written at once; other polls that need one wait their turn (FullMapWrites): a storm
     * of thousands written together outlasts every agent's request timeout.
     */
    @WithDefault("16")
    int fullMapWrites();

    /**
     * A peer's heartbeat Lease is written at most this often; less often when the fleet would
     * exceed {@link #leaseWritesPerSecond}.
     */
    @WithDefault("10s")
    Duration leaseRenewInterval();

    /** Heartbeat Lease writes per second, all peers together (HeartbeatCadence). */
    @WithDefault("20")
    double leaseWritesPerSecond();

    /**
     * Status reports per second the operator plans for, all agents and replicas together: past
     * {@code N / this} seconds agents are told to report less often (ReportCadence), and their
     * heartbeat grace grows with it. 500: a 10 s interval up to 5 000 agents, 20 s at 10 000.
     */
    @WithDefault("500")
    double reportsPerSecond();

    /** Refreshes of Peer status for heartbeats per second, all peers together. */
    @WithDefault("10")
    double heartbeatStatusWritesPerSecond();

    /** A WireGuard handshake older than this no longer counts as a working tunnel. */
    @WithDefault("3m")
    Duration handshakeFreshness();

    /** How long a machine's one-time bootstrap token stays valid. */
    @WithDefault("24h")
    Duration bootstrapTokenTtl();

    /**
     * The Peer's status.agent.lastHeartbeatTime is refreshed this often while nothing else changes.
     */
    @WithDefault("60s")
    Duration heartbeatStatusInterval();

    FailedJoins failedJoins();

    Logs logs();
  }

  /** Replicas' output, read through the agent API ({@code kubectl meshfed logs}, decision 0022). */
  interface Logs {
    /** How long a reader waits for the replica's agent to start sending. */
    @WithDefault("15s")
    Duration agentAnswerTimeout();

    /** A LogRequest's ticket is taken this long after the request was made. */
    @WithDefault("2m")
    Duration ticketLifetime();

    /** LogRequests older than this are deleted (a plugin that ended early leaves its request). */
    @WithDefault("10m")
    Duration requestRetention();

    /** Log streams open at once; more get 429. */
    @WithDefault("32")
    int maxStreams();

    /** Chunks a stream buffers for a slow reader before the agent is told to wait. */
    @WithDefault("64")
    int bufferedChunks();
  }

  /**
   * Failed joins (a wrong token, a wrong proof) one client address may make: {@code burst} at once,
   * then {@code perMinute}; past that its joins get 429 until its budget refills.
   */
  interface FailedJoins {
    @WithDefault("20")
    int burst();

    @WithDefault("10")
    int perMinute();
  }

  interface Tls {
    /**
     * A kubernetes.io/tls Secret (with ca.crt) to serve the agent API with. Without it the operator
     * makes its own CA and serving certificate and keeps them in Secrets.
     */
    Optional<String> secret();

    /** Namespace of the TLS Secrets; defaults to the operator's own namespace. */
    Optional<String> namespace();

    /** More DNS names or IP addresses for the self-made serving certificate. */
    Optional<List<String>> subjectAltNames();

    /** Rotation of the self-made CA (decision 0015). */
    CaRotation caRotation();
  }

  /**
   * When the self-made CA is replaced: on request (annotation {@code meshfed.io/rotate-ca} on its
   * Secret) or when it nears its end. The next CA is announced to agents first and signs only once
   * every peer that reports trusts it.
   */
  interface CaRotation {
    /** A CA this close to its end is replaced without being asked. */
    @WithDefault("365d")
    Duration renewBefore();

    /** The next CA is announced at least this long before it signs: peers briefly away learn it. */
    @WithDefault("10m")
    Duration minOverlap();

    /** After this long the next CA signs even if some reporting peers never confirmed it. */
    @WithDefault("7d")
    Duration maxOverlap();

    /** How often the serving replica looks at a rotation under way. */
    @WithDefault("10s")
    Duration checkInterval();
  }

  /** The local provider: machines as network namespaces on this host. */
  interface Local {
    @WithDefault("true")
    boolean enabled();

    @WithDefault("/run/meshfed-local")
    String stateRoot();

    @WithDefault("mfbr0")
    String bridge();

    @WithDefault("198.18.0.1/16")
    String bridgeAddress();

    /**
     * The agent jar the local provider starts and the agent API serves to machines that install it;
     * defaults to agent/target/meshfed-agent.jar nearby, or /opt/meshfed/meshfed-agent.jar.
     */
    Optional<String> agentJar();

    /** JVM options of local agents: small, quick to start. */
    @WithDefault("-Xmx64m,-XX:+UseSerialGC,-XX:TieredStopAtLevel=1")
    List<String> agentJvmOptions();

    /** Status interval of local agents. */
    @WithDefault("5s")
    String agentStatusInterval();

    /**
     * The userspace WireGuard local agents run (this host has no kernel module): e.g. the build of
     * hack/build-wireguard-go.sh; unset, each agent picks (its own default, then Debian's).
     */
    Optional<String> wireguardGo();

    /**
     * How local agents run replicas: process (commands on the host's files, the default: runs
     * everywhere) or podman (OCI images).
     */
    @WithDefault("process")
    String agentRuntime();

    /**
     * The command line local agents run podman with. They live in a network namespace entered with
     * ip netns exec, whose /sys lacks the cgroup hierarchy podman's runtime needs: podman runs in
     * the mount namespace of the agent's supervising loop (the host's; {ppid}) and the peer's
     * network namespace (decision 0020).
     */
    @WithDefault("nsenter --mount=/proc/{ppid}/ns/mnt -- podman")
    String containerCommand();
  }
}
