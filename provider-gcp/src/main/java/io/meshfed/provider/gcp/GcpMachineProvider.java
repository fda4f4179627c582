package io.meshfed.provider.gcp;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.api.gax.rpc.StatusCode;
import com.google.api.gax.rpc.UnaryCallSettings;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.compute.v1.AccessConfig;
import com.google.cloud.compute.v1.AggregatedListInstancesRequest;
import com.google.cloud.compute.v1.Allowed;
import com.google.cloud.compute.v1.AttachedDisk;
import com.google.cloud.compute.v1.AttachedDiskInitializeParams;
import com.google.cloud.compute.v1.DeleteFirewallRequest;
import com.google.cloud.compute.v1.DeleteInstanceRequest;
import com.google.cloud.compute.v1.Firewall;
import com.google.cloud.compute.v1.FirewallsClient;
import com.google.cloud.compute.v1.FirewallsSettings;
import com.google.cloud.compute.v1.InsertFirewallRequest;
import com.google.cloud.compute.v1.InsertInstanceRequest;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.compute.v1.InstancesScopedList;
import com.google.cloud.compute.v1.InstancesSettings;
import com.google.cloud.compute.v1.Items;
import com.google.cloud.compute.v1.MachineType;
import com.google.cloud.compute.v1.MachineTypesClient;
import com.google.cloud.compute.v1.MachineTypesSettings;
import com.google.cloud.compute.v1.Metadata;
import com.google.cloud.compute.v1.NetworkInterface;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.ProjectsClient;
import com.google.cloud.compute.v1.ProjectsSettings;
import com.google.cloud.compute.v1.ZoneOperationsClient;
import com.google.cloud.compute.v1.ZoneOperationsSettings;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineNames;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.meshfed.provider.spi.Tags;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compute Engine instances as peers (google-cloud-compute, HTTP/JSON). A peer's instance has a name
 * derived from the Peer's idempotency key, so a second insert after a crash meets 409 instead of
 * making a twin; each insert carries a {@code requestId}, so the client library's own retries of
 * one call are deduplicated by GCE too. Inserts are not waited for: the zone operation is looked at
 * on the next reconcile, and its error (quota, capacity) becomes the Peer's reason.
 *
 * <p>Credentials Secret key: {@code credentials.json} (a service account key). Settings: {@code
 * project} (default: the key's project), {@code region}, optional {@code endpoint}.
 */
public class GcpMachineProvider implements MachineProvider {
  public static final String NAME = "gcp";
  static final String CLUSTER_LABEL = "meshfed-cluster";
  static final String PEER_LABEL = "meshfed-peer";
  static final String PEER_NAME_LABEL = "meshfed-peer-name";
  static final String DEFAULT_MACHINE_TYPE = "e2-small";
  static final String DEFAULT_IMAGE = "projects/debian-cloud/global/images/family/debian-12";
  private static final String SCOPE = "https://www.googleapis.com/auth/compute";

  private record Clients(
      String project,
      InstancesClient instances,
      ZoneOperationsClient operations,
      FirewallsClient firewalls,
      ProjectsClient projects,
      MachineTypesClient machineTypes) {}

  private final Map<String, Clients> clients = new ConcurrentHashMap<>();

  /** Insert operations not yet seen finished, by instance: looked at instead of inserting again. */
  private final Map<String, String> pendingInserts = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException {
    Clients gce = clients(context);
    String zone = zone(context, request.region(), request.zone());
    String name = instanceName(request.peerName(), request.idempotencyKey());
    Optional<Machine> existing = get(gce, zone, name);
    if (existing.isPresent()) {
      pendingInserts.remove(zone + "/" + name);
      return existing.get();
    }
    String pending = pendingInserts.get(zone + "/" + name);
    if (pending != null) {
      Operation operation =
          call(
              "looking at operation " + pending,
              () -> gce.operations().get(gce.project(), zone, pending));
      if (operation.getStatus() == Operation.Status.DONE) {
        pendingInserts.remove(zone + "/" + name);
        if (operation.hasError()) {
          throw GcpErrors.translate("creating instance " + name, operation);
        }
      }
      return pendingMachine(gce.project(), zone, name, request);
    }
    ensureFirewall(gce, context, request.listenPort());
    Map<String, String> labels = labels(request);
    Instance instance =
        Instance.newBuilder()
            .setName(name)
            .setMachineType(
                "zones/"
                    + zone
                    + "/machineTypes/"
                    + (request.instanceType() == null
                        ? DEFAULT_MACHINE_TYPE
                        : request.instanceType()))
            .addDisks(
                AttachedDisk.newBuilder()
                    .setBoot(true)
                    .setAutoDelete(true) // the boot disk goes with the instance
                    .setInitializeParams(
                        AttachedDiskInitializeParams.newBuilder()
                            .setSourceImage(
                                request.image() == null ? DEFAULT_IMAGE : request.image())
                            .putAllLabels(labels)))
            .addNetworkInterfaces(
                NetworkInterface.newBuilder()
                    .setNetwork("global/networks/default")
                    .addAccessConfigs(
                        AccessConfig.newBuilder()
                            .setName("External NAT")
                            .setType("ONE_TO_ONE_NAT")))
            .setMetadata(
                Metadata.newBuilder()
                    .addItems(
                        Items.newBuilder()
                            .setKey("user-data")
                            .setValue(request.userData() == null ? "" : request.userData())))
            .setTags(com.google.cloud.compute.v1.Tags.newBuilder().addItems(networkTag(context)))
            .putAllLabels(labels)
            .build();
    try {
      Operation operation =
          gce.instances()
              .insertCallable()
              .call(
                  InsertInstanceRequest.newBuilder()
                      .setProject(gce.project())
                      .setZone(zone)
                      .setInstanceResource(instance)
                      // the same ID on the client library's retries of this call: GCE makes one
                      // instance
                      .setRequestId(UUID.randomUUID().toString())
                      .build());
      if (operation.getStatus() == Operation.Status.DONE && operation.hasError()) {
        throw GcpErrors.translate("creating instance " + name, operation);
      }
      if (operation.getStatus() != Operation.Status.DONE) {
        pendingInserts.put(zone + "/" + name, operation.getName());
      }
    } catch (AlreadyExistsException e) {
      // made by an earlier reconcile whose status write was lost
      return get(gce, zone, name).orElse(pendingMachine(gce.project(), zone, name, request));
    } catch (ApiException e) {
      throw GcpErrors.translate("creating instance " + name, e);
    }
    return pendingMachine(gce.project(), zone, name, request);
  }

  @Override
  public Optional<Machine> find(ProviderContext context, MachineRef ref) throws ProviderException {
    Clients gce = clients(context);
    Location location =
        ref.providerID() != null
            ? Location.parse(ref.providerID())
            : new Location(
                gce.project(),
                zone(context, ref.region(), ref.zone()),
                instanceName(ref.peerName(), ref.idempotencyKey()));
    if (location == null) {
      return Optional.empty();
    }
    return get(gce, location.zone(), location.name());
  }

  @Override
  public void delete(ProviderContext context, MachineRef ref) throws ProviderException {
    Clients gce = clients(context);
    List<Location> targets = new ArrayList<>();
    if (ref.providerID() != null && Location.parse(ref.providerID()) != null) {
      targets.add(Location.parse(ref.providerID()));
    } else if (ref.peerName() != null) {
      targets.add(
          new Location(
              gce.project(),
              zone(context, ref.region(), ref.zone()),
              instanceName(ref.peerName(), ref.idempotencyKey())));
    }
    if (ref.peerId() != null) {
      // by label too: an instance made but not yet recorded
      for (Machine m : listByFilter(gce, "labels." + PEER_LABEL + " = \"" + ref.peerId() + "\"")) {
        Location l = Location.parse(m.providerID());
        if (!targets.contains(l)) {
          targets.add(l);
        }
      }
    }
    for (Location target : targets) {
      try {
        gce.instances()
            .deleteCallable()
            .call(
                DeleteInstanceRequest.newBuilder()
                    .setProject(target.project())
                    .setZone(target.zone())
                    .setInstance(target.name())
                    .setRequestId(UUID.randomUUID().toString())
                    .build());
      } catch (NotFoundException gone) {
        // already gone
      } catch (ApiException e) {
        throw GcpErrors.translate("deleting instance " + target.name(), e);
      }
    }
  }

  @Override
  public List<Machine> list(ProviderContext context, String clusterId) throws ProviderException {
    return listByFilter(clients(context), "labels." + CLUSTER_LABEL + " = \"" + clusterId + "\"");
  }

  @Override
  public void verifyCredentials(ProviderContext context) throws ProviderException {
    Clients gce = clients(context);
    call("checking the credentials with projects.get", () -> gce.projects().get(gce.project()));
  }

  @Override
  public Optional<InstanceCapacity> capacity(
      ProviderContext context, String region, String instanceType) throws ProviderException {
    Clients gce = clients(context);
    String zone = zone(context, region, null);
    String type = instanceType == null ? DEFAULT_MACHINE_TYPE : instanceType;
    try {
      MachineType found =
          call(
              "looking up machine type " + type + " in " + zone,
              () -> gce.machineTypes().get(gce.project(), zone, type));
      return Optional.of(
          new InstanceCapacity(found.getGuestCpus() * 1000L, found.getMemoryMb() * 1024L * 1024L));
    } catch (ProviderException e) {
      if (e.getCause() instanceof NotFoundException) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void releaseCluster(ProviderContext context) throws ProviderException {
    Clients gce = clients(context);
    try {
      gce.firewalls()
          .deleteCallable()
          .call(
              DeleteFirewallRequest.newBuilder()
                  .setProject(gce.project())
                  .setFirewall(firewallName(context))
                  .setRequestId(UUID.randomUUID().toString())
                  .build());
    } catch (NotFoundException gone) {
      // already gone
    } catch (ApiException e) {
      throw GcpErrors.translate("deleting firewall " + firewallName(context), e);
    }
  }

  /**
   * One firewall rule per cluster: WireGuard's UDP port, to instances with the cluster's network
   * tag.
   */
  private void ensureFirewall(Clients gce, ProviderContext context, int listenPort)
      throws ProviderException {
    String name = firewallName(context);
    try {
      gce.firewalls().get(gce.project(), name);
      return;
    } catch (NotFoundException absent) {
      // make it
    } catch (ApiException e) {
      throw GcpErrors.translate("looking up firewall " + name, e);
    }
    try {
      gce.firewalls()
          .insertCallable()
          .call(
              InsertFirewallRequest.newBuilder()
                  .setProject(gce.project())
                  .setRequestId(UUID.randomUUID().toString())
                  .setFirewallResource(
                      Firewall.newBuilder()
                          .setName(name)
                          .setDescription(
                              "meshfed cluster " + context.clusterName() + ": WireGuard")
                          .setNetwork("global/networks/default")
                          .setDirection("INGRESS")
                          .addAllowed(
                              Allowed.newBuilder()
                                  .setIPProtocol("udp")
                                  .addPorts(String.valueOf(listenPort)))
                          .addSourceRanges("0.0.0.0/0")
                          .addTargetTags(networkTag(context)))
                  .build());
    } catch (AlreadyExistsException raced) {
      // another reconcile made it
    } catch (ApiException e) {
      throw GcpErrors.translate("creating firewall " + name, e);
    }
  }

  private static List<Machine> listByFilter(Clients gce, String filter) throws ProviderException {
    List<Machine> machines = new ArrayList<>();
    try {
      for (Map.Entry<String, InstancesScopedList> scope :
          gce.instances()
              .aggregatedList(
                  AggregatedListInstancesRequest.newBuilder()
                      .setProject(gce.project())
                      .setFilter(filter)
                      .build())
              .iterateAll()) {
        for (Instance instance : scope.getValue().getInstancesList()) {
          machines.add(machine(gce.project(), instance));
        }
      }
    } catch (ApiException e) {
      throw GcpErrors.translate("listing instances (" + filter + ")", e);
    }
    return machines;
  }

  private static Optional<Machine> get(Clients gce, String zone, String name)
      throws ProviderException {
    try {
      return Optional.of(machine(gce.project(), gce.instances().get(gce.project(), zone, name)));
    } catch (NotFoundException absent) {
      return Optional.empty();
    } catch (ApiException e) {
      throw GcpErrors.translate("looking up instance " + name, e);
    }
  }

  static Machine machine(String project, Instance instance) {
    String zone = instance.getZone().substring(instance.getZone().lastIndexOf('/') + 1);
    String publicAddress = null;
    String privateAddress = null;
    if (instance.getNetworkInterfacesCount() > 0) {
      NetworkInterface nic = instance.getNetworkInterfaces(0);
      privateAddress = nic.hasNetworkIP() ? nic.getNetworkIP() : null;
      if (nic.getAccessConfigsCount() > 0 && nic.getAccessConfigs(0).hasNatIP()) {
        publicAddress = nic.getAccessConfigs(0).getNatIP();
      }
    }
    Map<String, String> tags = new LinkedHashMap<>();
    putIfPresent(tags, Tags.CLUSTER, instance.getLabelsMap().get(CLUSTER_LABEL));
    putIfPresent(tags, Tags.PEER, instance.getLabelsMap().get(PEER_LABEL));
    putIfPresent(tags, Tags.PEER_NAME, instance.getLabelsMap().get(PEER_NAME_LABEL));
    return new Machine(
        "gce://" + project + "/" + zone + "/" + instance.getName(),
        switch (instance.getStatus()) {
          case "PROVISIONING", "STAGING" -> Machine.MachineState.PENDING;
          case "RUNNING" -> Machine.MachineState.RUNNING;
          default ->
              Machine.MachineState.STOPPING; // STOPPING, SUSPENDED, TERMINATED (= stopped at GCE)
        },
        publicAddress,
        privateAddress,
        tags,
        instance.hasCreationTimestamp()
            ? OffsetDateTime.parse(instance.getCreationTimestamp()).toInstant()
            : null);
  }

  private static Machine pendingMachine(
      String project, String zone, String name, MachineRequest request) {
    Map<String, String> tags = Tags.of(request);
    return new Machine(
        "gce://" + project + "/" + zone + "/" + name,
        Machine.MachineState.PENDING,
        null,
        null,
        tags,
        Instant.now());
  }

  private static void putIfPresent(Map<String, String> map, String key, String value) {
    if (value != null) {
      map.put(key, value);
    }
  }

  private static Map<String, String> labels(MachineRequest request) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(CLUSTER_LABEL, request.clusterId());
    labels.put(PEER_LABEL, request.peerId());
    labels.put(PEER_NAME_LABEL, request.peerName());
    return labels;
  }

  /**
   * {@code mf-<peer name>-<8 hex of the idempotency key>}: the same for every call about one
   * machine, different for its replacement, within GCE's 63 characters.
   */
  static String instanceName(String peerName, String idempotencyKey) {
    return MachineNames.of(peerName, idempotencyKey, 50);
  }

  static String firewallName(ProviderContext context) {
    return "meshfed-" + context.clusterId();
  }

  static String networkTag(ProviderContext context) {
    return "meshfed-" + context.clusterId();
  }

  private static String zone(ProviderContext context, String region, String zone)
      throws ProviderException {
    if (zone != null) {
      return zone;
    }
    String r = context.region(region, NAME);
    // zone b exists in every GCE region; a peer that cares names its zone
    return r + "-b";
  }

  private interface ApiCall<T> {
    T call();
  }

  private static <T> T call(String doing, ApiCall<T> call) throws ProviderException {
    try {
      return call.call();
    } catch (ApiException e) {
      throw GcpErrors.translate(doing, e);
    }
  }

  /** Parsed {@code gce://project/zone/name}. */
  record Location(String project, String zone, String name) {
    static Location parse(String providerID) {
      if (providerID == null || !providerID.startsWith("gce://")) {
        return null;
      }
      String[] parts = providerID.substring("gce://".length()).split("/");
      return parts.length == 3 ? new Location(parts[0], parts[1], parts[2]) : null;
    }
  }

  private Clients clients(ProviderContext context) throws ProviderException {
    String json = context.credentials().get("credentials.json");
    if (json == null || json.isBlank()) {
      throw ProviderException.permanent(
          "InvalidCredentials",
          "the gcp credentials Secret needs the key credentials.json (a service account key)",
          null);
    }
    String endpoint = context.settings().get("endpoint");
    String key =
        MachineNames.sha256Hex(json + "|" + endpoint + "|" + context.settings().get("project"));
    Clients existing = clients.get(key);
    if (existing != null) {
      return existing;
    }
    ServiceAccountCredentials credentials;
    try {
      credentials =
          (ServiceAccountCredentials)
              ServiceAccountCredentials.fromStream(
                      new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)))
                  .createScoped(SCOPE);
    } catch (IOException | ClassCastException e) {
      throw ProviderException.permanent(
          "InvalidCredentials",
          "credentials.json is not a service account key: " + e.getMessage(),
          e);
    }
    String project = context.settings().getOrDefault("project", credentials.getProjectId());
    if (project == null) {
      throw ProviderException.permanent("ProjectRequired", "set spec.providers.gcp.project", null);
    }
    try {
      var provider = FixedCredentialsProvider.create(credentials);
      InstancesSettings.Builder instances =
          InstancesSettings.newBuilder().setCredentialsProvider(provider);
      ZoneOperationsSettings.Builder operations =
          ZoneOperationsSettings.newBuilder().setCredentialsProvider(provider);
      FirewallsSettings.Builder firewalls =
          FirewallsSettings.newBuilder().setCredentialsProvider(provider);
      ProjectsSettings.Builder projects =
          ProjectsSettings.newBuilder().setCredentialsProvider(provider);
      MachineTypesSettings.Builder machineTypes =
          MachineTypesSettings.newBuilder().setCredentialsProvider(provider);
      if (endpoint != null) {
        machineTypes.setEndpoint(endpoint);
        instances.setEndpoint(endpoint);
        operations.setEndpoint(endpoint);
        firewalls.setEndpoint(endpoint);
        projects.setEndpoint(endpoint);
      }
      // throttling and 5xx: a few quick retries with jittered backoff; inserts and deletes carry a
      // requestId, so retrying them is safe too
      instances.getStubSettingsBuilder().applyToAllUnaryMethods(GcpMachineProvider::retry);
      operations.getStubSettingsBuilder().applyToAllUnaryMethods(GcpMachineProvider::retry);
      firewalls.getStubSettingsBuilder().applyToAllUnaryMethods(GcpMachineProvider::retry);
      projects.getStubSettingsBuilder().applyToAllUnaryMethods(GcpMachineProvider::retry);
      machineTypes.getStubSettingsBuilder().applyToAllUnaryMethods(GcpMachineProvider::retry);
      Clients made =
          new Clients(
              project,
              InstancesClient.create(instances.build()),
              ZoneOperationsClient.create(operations.build()),
              FirewallsClient.create(firewalls.build()),
              ProjectsClient.create(projects.build()),
              MachineTypesClient.create(machineTypes.build()));
      Clients raced = clients.putIfAbsent(key, made);
      return raced == null ? made : raced;
    } catch (IOException e) {
      throw ProviderException.retryable(
          "ProviderUnreachable", "making the Compute Engine client: " + e.getMessage(), e);
    }
  }

  private static Void retry(UnaryCallSettings.Builder<?, ?> builder) {
    builder.setRetryableCodes(
        StatusCode.Code.UNAVAILABLE,
        StatusCode.Code.INTERNAL,
        StatusCode.Code.DEADLINE_EXCEEDED,
        StatusCode.Code.RESOURCE_EXHAUSTED);
    builder.setRetrySettings(
        RetrySettings.newBuilder()
            .setInitialRetryDelayDuration(Duration.ofMillis(200))
            .setRetryDelayMultiplier(2.0)
            .setMaxRetryDelayDuration(Duration.ofSeconds(2))
            .setInitialRpcTimeoutDuration(Duration.ofSeconds(30))
            .setMaxRpcTimeoutDuration(Duration.ofSeconds(30))
            .setTotalTimeoutDuration(Duration.ofSeconds(40))
            .setMaxAttempts(4)
            .build());
    return null;
  }
}
