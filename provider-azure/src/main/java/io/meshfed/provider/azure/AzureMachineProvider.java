package io.meshfed.provider.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.okhttp.OkHttpAsyncHttpClientBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.models.DeleteOptions;
import com.azure.resourcemanager.compute.models.DiskCreateOptionTypes;
import com.azure.resourcemanager.compute.models.DiskDeleteOptionTypes;
import com.azure.resourcemanager.compute.models.HardwareProfile;
import com.azure.resourcemanager.compute.models.ImageReference;
import com.azure.resourcemanager.compute.models.LinuxConfiguration;
import com.azure.resourcemanager.compute.models.NetworkInterfaceReference;
import com.azure.resourcemanager.compute.models.NetworkProfile;
import com.azure.resourcemanager.compute.models.OSDisk;
import com.azure.resourcemanager.compute.models.OSProfile;
import com.azure.resourcemanager.compute.models.SshConfiguration;
import com.azure.resourcemanager.compute.models.SshPublicKey;
import com.azure.resourcemanager.compute.models.StorageProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineSizeTypes;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.NetworkSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.PublicIpAddressInner;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.fluent.models.VirtualNetworkInner;
import com.azure.resourcemanager.network.models.AddressSpace;
import com.azure.resourcemanager.network.models.IpAllocationMethod;
import com.azure.resourcemanager.network.models.PublicIpAddressSku;
import com.azure.resourcemanager.network.models.PublicIpAddressSkuName;
import com.azure.resourcemanager.network.models.SecurityRuleAccess;
import com.azure.resourcemanager.network.models.SecurityRuleDirection;
import com.azure.resourcemanager.network.models.SecurityRuleProtocol;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineNames;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.meshfed.provider.spi.Tags;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Azure virtual machines as peers (azure-resourcemanager over OkHttp, not Netty). Every resource
 * has a name derived from the Peer's idempotency key and is made with PUT, which Azure treats as
 * create-or-update: repeating it after a crash changes nothing. Long-running operations are not
 * waited for: each reconcile looks at the resources' {@code provisioningState} and takes the next
 * step (public IP → NIC → VM), which resumes whatever a crash interrupted. Deleting goes the other
 * way, one resource per step, until the VM, its NIC, its public IP and its disk are all gone.
 *
 * <p>Credentials Secret keys: {@code tenantId}, {@code clientId}, {@code clientSecret}, optional
 * {@code authorityHost}. Settings: {@code subscriptionId}, {@code resourceGroup}, {@code region},
 * optional {@code endpoint} (Resource Manager; sovereign clouds, tests).
 */
public class AzureMachineProvider implements MachineProvider {
  public static final String NAME = "azure";
  static final String CLUSTER_TAG = "meshfed-cluster";
  static final String PEER_TAG = "meshfed-peer";
  static final String PEER_NAME_TAG = "meshfed-peer-name";
  static final String DEFAULT_SIZE = "Standard_B2s";
  static final String DEFAULT_IMAGE = "Debian:debian-12:12-gen2:latest";
  static final String SUBNET = "peers";
  static final String ADDRESS_SPACE = "10.200.0.0/16";

  private record Arm(ComputeManager compute, String subscription, String group) {}

  private final Supplier<HttpClient> httpClients;
  private final Map<String, Arm> arms = new ConcurrentHashMap<>();

  /**
   * MSAL runs token requests on the common fork-join pool unless told otherwise; on a two-core
   * machine that pool has one thread, which anything else may hold. Token requests get their own.
   */
  private final ExecutorService tokenRequests =
      Executors.newCachedThreadPool(
          r -> {
            Thread thread = new Thread(r, "azure-token");
            thread.setDaemon(true);
            return thread;
          });

  public AzureMachineProvider() {
    this(() -> new OkHttpAsyncHttpClientBuilder().build());
  }

  /** With another HTTP client: tests trust their fake's certificate through it. */
  protected AzureMachineProvider(Supplier<HttpClient> httpClients) {
    this.httpClients = httpClients;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The names of one machine's resources. */
  record Names(String vm, String nic, String publicIp, String disk) {
    static Names of(String peerName, String idempotencyKey) {
      // 40 leaves room for the longest suffix (-osdisk) within Azure's 64
      return ofVm(MachineNames.of(peerName, idempotencyKey, 40));
    }

    static Names ofVm(String vm) {
      return new Names(vm, vm + "-nic", vm + "-ip", vm + "-osdisk");
    }
  }

  @Override
  public Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException {
    Arm arm = arm(context);
    Names names = Names.of(request.peerName(), request.idempotencyKey());
    String location = location(context, request.region());
    Optional<VirtualMachineInner> vm =
        get(
            () ->
                arm.compute()
                    .serviceClient()
                    .getVirtualMachines()
                    .getByResourceGroup(arm.group(), names.vm()),
            "looking up VM " + names.vm());
    if (vm.isPresent()) {
      return machine(arm, vm.get());
    }
    Map<String, String> tags = tags(request);
    // one step per reconcile: each part is made (PUT), then waited for by looking again
    String nsg = ensureSecurityGroup(arm, context, location, request.listenPort());
    if (nsg == null) {
      return pending(arm, names, tags, "the cluster's network security group");
    }
    String subnet = ensureVirtualNetwork(arm, context, location, nsg);
    if (subnet == null) {
      return pending(arm, names, tags, "the cluster's virtual network");
    }
    var network = arm.compute().networkManager().serviceClient();
    Optional<PublicIpAddressInner> ip =
        get(
            () -> network.getPublicIpAddresses().getByResourceGroup(arm.group(), names.publicIp()),
            "looking up public IP " + names.publicIp());
    if (ip.isEmpty()) {
      call(
          () ->
              network
                  .getPublicIpAddresses()
                  .beginCreateOrUpdate(
                      arm.group(),
                      names.publicIp(),
                      new PublicIpAddressInner()
                          .withLocation(location)
                          .withTags(tags)
                          .withSku(
                              new PublicIpAddressSku().withName(PublicIpAddressSkuName.STANDARD))
                          .withPublicIpAllocationMethod(IpAllocationMethod.STATIC)),
          "creating public IP " + names.publicIp());
      return pending(arm, names, tags, "public IP " + names.publicIp());
    }
    if (!succeeded(ip.get().provisioningState())) {
      return pending(arm, names, tags, "public IP " + names.publicIp());
    }
    Optional<NetworkInterfaceInner> nic =
        get(
            () -> network.getNetworkInterfaces().getByResourceGroup(arm.group(), names.nic()),
            "looking up NIC " + names.nic());
    if (nic.isEmpty()) {
      call(
          () ->
              network
                  .getNetworkInterfaces()
                  .beginCreateOrUpdate(
                      arm.group(),
                      names.nic(),
                      new NetworkInterfaceInner()
                          .withLocation(location)
                          .withTags(tags)
                          .withIpConfigurations(
                              List.of(
                                  new NetworkInterfaceIpConfigurationInner()
                                      .withName("primary")
                                      .withPrimary(true)
                                      .withSubnet(new SubnetInner().withId(subnet))
                                      .withPublicIpAddress(
                                          new PublicIpAddressInner().withId(ip.get().id()))))),
          "creating NIC " + names.nic());
      return pending(arm, names, tags, "NIC " + names.nic());
    }
    if (!succeeded(nic.get().provisioningState())) {
      return pending(arm, names, tags, "NIC " + names.nic());
    }
    String[] image = (request.image() == null ? DEFAULT_IMAGE : request.image()).split(":");
    if (image.length != 4) {
      throw ProviderException.permanent(
          "InvalidImage",
          "an azure image is publisher:offer:sku:version, e.g. "
              + DEFAULT_IMAGE
              + "; got "
              + request.image(),
          null);
    }
    VirtualMachineInner model =
        new VirtualMachineInner()
            .withLocation(location)
            .withTags(tags)
            .withHardwareProfile(
                new HardwareProfile()
                    .withVmSize(
                        VirtualMachineSizeTypes.fromString(
                            request.instanceType() == null
                                ? DEFAULT_SIZE
                                : request.instanceType())))
            .withStorageProfile(
                new StorageProfile()
                    .withImageReference(
                        new ImageReference()
                            .withPublisher(image[0])
                            .withOffer(image[1])
                            .withSku(image[2])
                            .withVersion(image[3]))
                    .withOsDisk(
                        new OSDisk()
                            .withName(names.disk())
                            .withCreateOption(DiskCreateOptionTypes.FROM_IMAGE)
                            .withDeleteOption(DiskDeleteOptionTypes.DELETE)))
            .withOsProfile(
                new OSProfile()
                    .withComputerName(names.vm())
                    .withAdminUsername("meshfed")
                    .withCustomData(
                        request.userData() == null
                            ? null
                            : Base64.getEncoder()
                                .encodeToString(
                                    request.userData().getBytes(StandardCharsets.UTF_8)))
                    .withLinuxConfiguration(
                        new LinuxConfiguration()
                            .withDisablePasswordAuthentication(true)
                            // Azure insists on a key; its private half is never kept: the way in is
                            // the mesh
                            .withSsh(
                                new SshConfiguration()
                                    .withPublicKeys(
                                        List.of(
                                            new SshPublicKey()
                                                .withPath("/home/meshfed/.ssh/authorized_keys")
                                                .withKeyData(unusableSshKey()))))))
            .withNetworkProfile(
                new NetworkProfile()
                    .withNetworkInterfaces(
                        List.of(
                            new NetworkInterfaceReference()
                                .withId(nic.get().id())
                                .withPrimary(true)
                                .withDeleteOption(DeleteOptions.DELETE))));
    call(
        () ->
            arm.compute()
                .serviceClient()
                .getVirtualMachines()
                .beginCreateOrUpdate(arm.group(), names.vm(), model),
        "creating VM " + names.vm());
    return pending(arm, names, tags, "VM " + names.vm());
  }

  @Override
  public Optional<Machine> find(ProviderContext context, MachineRef ref) throws ProviderException {
    Arm arm = arm(context);
    Names names = names(ref);
    Optional<VirtualMachineInner> vm =
        get(
            () ->
                arm.compute()
                    .serviceClient()
                    .getVirtualMachines()
                    .getByResourceGroup(arm.group(), names.vm()),
            "looking up VM " + names.vm());
    if (vm.isPresent()) {
      return Optional.of(machine(arm, vm.get()));
    }
    // no VM, but parts of one (a create or a delete cut short): the machine is not gone yet
    return leftoverParts(arm, names).isEmpty()
        ? Optional.empty()
        : Optional.of(
            new Machine(
                vmId(arm, names.vm()),
                Machine.MachineState.STOPPING,
                null,
                null,
                Map.of(Tags.PEER, String.valueOf(ref.peerId()))));
  }

  @Override
  public void delete(ProviderContext context, MachineRef ref) throws ProviderException {
    Arm arm = arm(context);
    Names names = names(ref);
    var vms = arm.compute().serviceClient().getVirtualMachines();
    Optional<VirtualMachineInner> vm =
        get(() -> vms.getByResourceGroup(arm.group(), names.vm()), "looking up VM " + names.vm());
    if (vm.isPresent()) {
      if (!"Deleting".equalsIgnoreCase(vm.get().provisioningState())) {
        call(() -> vms.beginDelete(arm.group(), names.vm()), "deleting VM " + names.vm());
      }
      return; // its NIC, IP and disk go next, once the VM is gone
    }
    var network = arm.compute().networkManager().serviceClient();
    for (String part : leftoverParts(arm, names)) {
      if (part.equals(names.nic())) {
        call(
            () -> network.getNetworkInterfaces().beginDelete(arm.group(), part),
            "deleting NIC " + part);
        return; // the public IP is in use until the NIC is gone
      }
      if (part.equals(names.publicIp())) {
        call(
            () -> network.getPublicIpAddresses().beginDelete(arm.group(), part),
            "deleting public IP " + part);
      } else if (part.equals(names.disk())) {
        call(
            () -> arm.compute().serviceClient().getDisks().beginDelete(arm.group(), part),
            "deleting disk " + part);
      }
    }
  }

  @Override
  public List<Machine> list(ProviderContext context, String clusterId) throws ProviderException {
    Arm arm = arm(context);
    List<Machine> machines = new ArrayList<>();
    try {
      for (VirtualMachineInner vm :
          arm.compute().serviceClient().getVirtualMachines().listByResourceGroup(arm.group())) {
        if (vm.tags() != null && clusterId.equals(vm.tags().get(CLUSTER_TAG))) {
          machines.add(machineWithoutAddresses(arm, vm));
        }
      }
    } catch (RuntimeException e) {
      throw AzureErrors.translate("listing the VMs of resource group " + arm.group(), e);
    }
    return machines;
  }

  @Override
  public void verifyCredentials(ProviderContext context) throws ProviderException {
    Arm arm = arm(context);
    call(
        () -> arm.compute().resourceManager().serviceClient().getResourceGroups().get(arm.group()),
        "checking the credentials by reading resource group " + arm.group());
  }

  @Override
  public Optional<InstanceCapacity> capacity(
      ProviderContext context, String region, String instanceType) throws ProviderException {
    Arm arm = arm(context);
    String location = location(context, region);
    String size = instanceType == null ? DEFAULT_SIZE : instanceType;
    return get(
        () ->
            arm.compute().serviceClient().getVirtualMachineSizes().list(location).stream()
                .filter(s -> size.equalsIgnoreCase(s.name()))
                .findFirst()
                .map(
                    s ->
                        new InstanceCapacity(
                            s.numberOfCores() * 1000L, s.memoryInMB() * 1024L * 1024L))
                .orElse(null),
        "listing the VM sizes of " + location);
  }

  @Override
  public void releaseCluster(ProviderContext context) throws ProviderException {
    Arm arm = arm(context);
    var network = arm.compute().networkManager().serviceClient();
    try {
      for (VirtualNetworkInner vnet :
          network.getVirtualNetworks().listByResourceGroup(arm.group())) {
        if (ofCluster(vnet.tags(), context)) {
          call(
              () -> network.getVirtualNetworks().beginDelete(arm.group(), vnet.name()),
              "deleting " + vnet.name());
        }
      }
      for (NetworkSecurityGroupInner nsg :
          network.getNetworkSecurityGroups().listByResourceGroup(arm.group())) {
        if (ofCluster(nsg.tags(), context)) {
          call(
              () -> network.getNetworkSecurityGroups().beginDelete(arm.group(), nsg.name()),
              "deleting " + nsg.name());
        }
      }
    } catch (RuntimeException e) {
      throw AzureErrors.translate("releasing the cluster's network", e);
    }
  }

  /**
   * The cluster's NSG in a location (WireGuard's UDP port open); its ID once it exists, else null.
   */
  private String ensureSecurityGroup(
      Arm arm, ProviderContext context, String location, int listenPort) throws ProviderException {
    var groups = arm.compute().networkManager().serviceClient().getNetworkSecurityGroups();
    String name = "meshfed-" + context.clusterId() + "-" + location + "-nsg";
    Optional<NetworkSecurityGroupInner> nsg =
        get(() -> groups.getByResourceGroup(arm.group(), name), "looking up " + name);
    if (nsg.isEmpty()) {
      call(
          () ->
              groups.beginCreateOrUpdate(
                  arm.group(),
                  name,
                  new NetworkSecurityGroupInner()
                      .withLocation(location)
                      .withTags(Map.of(CLUSTER_TAG, context.clusterId()))
                      .withSecurityRules(
                          List.of(
                              new SecurityRuleInner()
                                  .withName("wireguard")
                                  .withPriority(100)
                                  .withDirection(SecurityRuleDirection.INBOUND)
                                  .withAccess(SecurityRuleAccess.ALLOW)
                                  .withProtocol(SecurityRuleProtocol.UDP)
                                  .withSourceAddressPrefix("*")
                                  .withSourcePortRange("*")
                                  .withDestinationAddressPrefix("*")
                                  .withDestinationPortRange(String.valueOf(listenPort))))),
          "creating " + name);
      return null;
    }
    return succeeded(nsg.get().provisioningState()) ? nsg.get().id() : null;
  }

  /**
   * The cluster's virtual network in a location; the ID of its peers' subnet once it exists, else
   * null.
   */
  private String ensureVirtualNetwork(
      Arm arm, ProviderContext context, String location, String nsgId) throws ProviderException {
    var networks = arm.compute().networkManager().serviceClient().getVirtualNetworks();
    String name = "meshfed-" + context.clusterId() + "-" + location;
    Optional<VirtualNetworkInner> vnet =
        get(() -> networks.getByResourceGroup(arm.group(), name), "looking up " + name);
    if (vnet.isEmpty()) {
      call(
          () ->
              networks.beginCreateOrUpdate(
                  arm.group(),
                  name,
                  new VirtualNetworkInner()
                      .withLocation(location)
                      .withTags(Map.of(CLUSTER_TAG, context.clusterId()))
                      .withAddressSpace(
                          new AddressSpace().withAddressPrefixes(List.of(ADDRESS_SPACE)))
                      .withSubnets(
                          List.of(
                              new SubnetInner()
                                  .withName(SUBNET)
                                  .withAddressPrefix(ADDRESS_SPACE)
                                  .withNetworkSecurityGroup(
                                      new NetworkSecurityGroupInner().withId(nsgId))))),
          "creating " + name);
      return null;
    }
    if (!succeeded(vnet.get().provisioningState())) {
      return null;
    }
    return vnet.get().id() + "/subnets/" + SUBNET;
  }

  private List<String> leftoverParts(Arm arm, Names names) throws ProviderException {
    var network = arm.compute().networkManager().serviceClient();
    List<String> parts = new ArrayList<>();
    if (get(
            () -> network.getNetworkInterfaces().getByResourceGroup(arm.group(), names.nic()),
            "looking up " + names.nic())
        .isPresent()) {
      parts.add(names.nic());
    }
    if (get(
            () -> network.getPublicIpAddresses().getByResourceGroup(arm.group(), names.publicIp()),
            "looking up " + names.publicIp())
        .isPresent()) {
      parts.add(names.publicIp());
    }
    if (get(
            () ->
                arm.compute()
                    .serviceClient()
                    .getDisks()
                    .getByResourceGroup(arm.group(), names.disk()),
            "looking up " + names.disk())
        .isPresent()) {
      parts.add(names.disk());
    }
    return parts;
  }

  private Machine machine(Arm arm, VirtualMachineInner vm) throws ProviderException {
    Machine bare = machineWithoutAddresses(arm, vm);
    if (bare.state() != Machine.MachineState.RUNNING) {
      return bare;
    }
    var network = arm.compute().networkManager().serviceClient();
    Names names = Names.ofVm(vm.name());
    String nicName = names.nic();
    String ipName = names.publicIp();
    String privateAddress =
        get(
                () -> network.getNetworkInterfaces().getByResourceGroup(arm.group(), nicName),
                "looking up " + nicName)
            .filter(n -> n.ipConfigurations() != null && !n.ipConfigurations().isEmpty())
            .map(n -> n.ipConfigurations().get(0).privateIpAddress())
            .orElse(null);
    String publicAddress =
        get(
                () -> network.getPublicIpAddresses().getByResourceGroup(arm.group(), ipName),
                "looking up " + ipName)
            .map(PublicIpAddressInner::ipAddress)
            .orElse(null);
    return new Machine(
        bare.providerID(),
        bare.state(),
        publicAddress,
        privateAddress,
        bare.tags(),
        bare.createdAt());
  }

  private static Machine machineWithoutAddresses(Arm arm, VirtualMachineInner vm) {
    String state = vm.provisioningState() == null ? "" : vm.provisioningState();
    Map<String, String> tags = new LinkedHashMap<>();
    if (vm.tags() != null) {
      putIfPresent(tags, Tags.CLUSTER, vm.tags().get(CLUSTER_TAG));
      putIfPresent(tags, Tags.PEER, vm.tags().get(PEER_TAG));
      putIfPresent(tags, Tags.PEER_NAME, vm.tags().get(PEER_NAME_TAG));
    }
    return new Machine(
        vmId(arm, vm.name()),
        switch (state) {
          case "Succeeded" -> Machine.MachineState.RUNNING;
          case "Deleting" -> Machine.MachineState.STOPPING;
          default -> Machine.MachineState.PENDING; // Creating, Updating, Failed (retried by PUT)
        },
        null,
        null,
        tags,
        vm.timeCreated() == null ? null : vm.timeCreated().toInstant());
  }

  private static Machine pending(
      Arm arm, Names names, Map<String, String> tags, String waitingFor) {
    Map<String, String> spiTags = new HashMap<>();
    spiTags.put(Tags.CLUSTER, tags.get(CLUSTER_TAG));
    spiTags.put(Tags.PEER, tags.get(PEER_TAG));
    spiTags.put(Tags.PEER_NAME, tags.get(PEER_NAME_TAG));
    return new Machine(
        vmId(arm, names.vm()),
        Machine.MachineState.PENDING,
        null,
        null,
        spiTags,
        OffsetDateTime.now().toInstant());
  }

  static String vmId(Arm arm, String vm) {
    return "azure:///subscriptions/"
        + arm.subscription()
        + "/resourceGroups/"
        + arm.group()
        + "/providers/Microsoft.Compute/virtualMachines/"
        + vm;
  }

  private static Names names(MachineRef ref) {
    if (ref.providerID() != null && ref.providerID().startsWith("azure:///")) {
      return Names.ofVm(ref.providerID().substring(ref.providerID().lastIndexOf('/') + 1));
    }
    return Names.of(ref.peerName() == null ? "" : ref.peerName(), ref.idempotencyKey());
  }

  private static Map<String, String> tags(MachineRequest request) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(CLUSTER_TAG, request.clusterId());
    tags.put(PEER_TAG, request.peerId());
    tags.put(PEER_NAME_TAG, request.peerName());
    return tags;
  }

  private static boolean ofCluster(Map<String, String> tags, ProviderContext context) {
    return tags != null && context.clusterId().equals(tags.get(CLUSTER_TAG));
  }

  private static boolean succeeded(Object provisioningState) {
    return provisioningState != null && "Succeeded".equalsIgnoreCase(provisioningState.toString());
  }

  private static void putIfPresent(Map<String, String> map, String key, String value) {
    if (value != null) {
      map.put(key, value);
    }
  }

  private static String location(ProviderContext context, String requested)
      throws ProviderException {
    return context.region(requested, NAME);
  }

  /** A GET that answers empty for 404. */
  private static <T> Optional<T> get(Supplier<T> call, String doing) throws ProviderException {
    try {
      return Optional.ofNullable(call.get());
    } catch (ManagementException e) {
      if (e.getResponse() != null && e.getResponse().getStatusCode() == 404) {
        return Optional.empty();
      }
      throw AzureErrors.translate(doing, e);
    } catch (RuntimeException e) {
      throw AzureErrors.translate(doing, e);
    }
  }

  /**
   * A call whose result does not matter: an LRO begun (not waited for), or a read that proves
   * access.
   */
  private static void call(Supplier<?> call, String doing) throws ProviderException {
    try {
      var unused = call.get();
    } catch (ManagementException e) {
      if (e.getResponse() != null
          && e.getResponse().getStatusCode() == 404
          && doing.startsWith("deleting")) {
        return; // already gone
      }
      throw AzureErrors.translate(doing, e);
    } catch (RuntimeException e) {
      throw AzureErrors.translate(doing, e);
    }
  }

  private Arm arm(ProviderContext context) throws ProviderException {
    Map<String, String> credentials = context.credentials();
    String tenant = credentials.get("tenantId");
    String client = credentials.get("clientId");
    String secret = credentials.get("clientSecret");
    if (tenant == null || client == null || secret == null) {
      throw ProviderException.permanent(
          "InvalidCredentials",
          "the azure credentials Secret needs the keys tenantId, clientId and clientSecret",
          null);
    }
    String subscription = context.settings().get("subscriptionId");
    String group = context.settings().get("resourceGroup");
    if (subscription == null || group == null) {
      throw ProviderException.permanent(
          "SettingsRequired",
          "set spec.providers.azure.subscriptionId and spec.providers.azure.resourceGroup",
          null);
    }
    String endpoint = context.settings().get("endpoint");
    String key =
        MachineNames.sha256Hex(
            String.join(
                "|",
                tenant,
                client,
                secret,
                subscription,
                group,
                String.valueOf(endpoint),
                String.valueOf(credentials.get("authorityHost"))));
    Arm known = arms.get(key);
    if (known != null) {
      return known;
    }
    // made outside the map's lock: a Resource Manager client takes seconds to build
    Arm made = makeArm(credentials, tenant, client, secret, subscription, group, endpoint);
    Arm raced = arms.putIfAbsent(key, made);
    return raced == null ? made : raced;
  }

  private Arm makeArm(
      Map<String, String> credentials,
      String tenant,
      String client,
      String secret,
      String subscription,
      String group,
      String endpoint) {
    {
      HttpClient http = httpClients.get();
      AzureEnvironment environment = AzureEnvironment.AZURE;
      String authority = credentials.get("authorityHost");
      if (endpoint != null) {
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        endpoints.put(
            "resourceManagerEndpointUrl", endpoint.endsWith("/") ? endpoint : endpoint + "/");
        environment = new AzureEnvironment(endpoints);
        authority = authority != null ? authority : endpoint;
      }
      ClientSecretCredentialBuilder credential =
          new ClientSecretCredentialBuilder()
              .tenantId(tenant)
              .clientId(client)
              .clientSecret(secret)
              .httpClient(http)
              .executorService(tokenRequests);
      if (authority != null) {
        // a private authority is not in Microsoft's list of known ones
        credential.authorityHost(authority).disableInstanceDiscovery();
      }
      TokenCredential token = credential.build();
      ComputeManager compute =
          ComputeManager.configure()
              .withHttpClient(http)
              .authenticate(token, new AzureProfile(tenant, subscription, environment));
      return new Arm(compute, subscription, group);
    }
  }

  /** An OpenSSH RSA public key whose private key is dropped at once. */
  private static String unusableSshKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      RSAPublicKey key = (RSAPublicKey) generator.generateKeyPair().getPublic();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      byte[] type = "ssh-rsa".getBytes(StandardCharsets.US_ASCII);
      out.writeInt(type.length);
      out.write(type);
      byte[] e = key.getPublicExponent().toByteArray();
      out.writeInt(e.length);
      out.write(e);
      byte[] n = key.getModulus().toByteArray();
      out.writeInt(n.length);
      out.write(n);
      return "ssh-rsa "
          + Base64.getEncoder().encodeToString(bytes.toByteArray())
          + " meshfed-no-login";
    } catch (NoSuchAlgorithmException | IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
