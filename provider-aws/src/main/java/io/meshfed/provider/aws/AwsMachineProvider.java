package io.meshfed.provider.aws;

import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineNames;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.meshfed.provider.spi.Tags;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.Ipv6Range;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * EC2 instances as peers. Idempotent by construction: every instance carries its Peer's UID as a
 * tag and is launched with the Peer's idempotency key as EC2's {@code clientToken}, so a crash
 * between launch and the status write finds — or re-launches into — the same instance.
 *
 * <p>Credentials Secret keys: {@code accessKeyId}, {@code secretAccessKey}, optional {@code
 * sessionToken}. Settings: {@code region}, optional {@code endpoint} (an EC2-compatible API).
 */
public class AwsMachineProvider implements MachineProvider {
  public static final String NAME = "aws";
  static final String DEFAULT_INSTANCE_TYPE = "t3.small";

  /** States of an instance that still exists (or will): the ones a Peer can own. */
  private static final List<String> LIVE_STATES =
      List.of("pending", "running", "stopping", "stopped");

  /**
   * One client per account, region and endpoint; EC2 clients are thread-safe and costly to make.
   */
  private final Map<String, Ec2Client> clients = new ConcurrentHashMap<>();

  private final List<ExecutionInterceptor> interceptors;

  public AwsMachineProvider() {
    this(List.of());
  }

  /** With SDK interceptors on every client: tests see the requests as the SDK sends them. */
  AwsMachineProvider(List<ExecutionInterceptor> interceptors) {
    this.interceptors = List.copyOf(interceptors);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException {
    String region = region(context, request.region());
    Ec2Client ec2 = client(context, region);
    Optional<Machine> existing = findByTag(ec2, request.peerId());
    if (existing.isPresent()) {
      return existing.get();
    }
    if (request.image() == null) {
      throw ProviderException.permanent(
          "ImageRequired",
          "an aws peer needs spec.image (an AMI ID of the region " + region + ", e.g. Debian 12's)",
          null);
    }
    String securityGroup = ensureSecurityGroup(ec2, context, request.listenPort());
    Map<String, String> tags = Tags.of(request);
    List<Tag> ec2Tags =
        tags.entrySet().stream()
            .map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build())
            .collect(Collectors.toCollection(ArrayList::new));
    ec2Tags.add(Tag.builder().key("Name").value(request.peerName()).build());
    RunInstancesRequest.Builder run =
        RunInstancesRequest.builder()
            // the same token makes EC2 answer with the instance it launched before, not a second
            // one
            .clientToken(request.idempotencyKey())
            .minCount(1)
            .maxCount(1)
            .imageId(request.image())
            .instanceType(
                request.instanceType() == null ? DEFAULT_INSTANCE_TYPE : request.instanceType())
            .securityGroupIds(securityGroup)
            // IMDSv2 only: the metadata service (and the user data with its token) needs a session
            .metadataOptions(m -> m.httpTokens(HttpTokensState.REQUIRED))
            .tagSpecifications(
                TagSpecification.builder()
                    .resourceType(ResourceType.INSTANCE)
                    .tags(ec2Tags)
                    .build(),
                TagSpecification.builder().resourceType(ResourceType.VOLUME).tags(ec2Tags).build());
    if (request.userData() != null) {
      run.userData(
          Base64.getEncoder().encodeToString(request.userData().getBytes(StandardCharsets.UTF_8)));
    }
    if (request.zone() != null) {
      run.placement(p -> p.availabilityZone(request.zone()));
    }
    try {
      Instance instance = ec2.runInstances(run.build()).instances().get(0);
      return machine(instance);
    } catch (SdkException e) {
      throw AwsErrors.translate("launching the instance of peer " + request.peerName(), e);
    }
  }

  @Override
  public Optional<Machine> find(ProviderContext context, MachineRef ref) throws ProviderException {
    Ec2Client ec2 = client(context, region(context, ref.region()));
    String id = instanceId(ref.providerID());
    if (id == null) {
      return findByTag(ec2, ref.peerId());
    }
    try {
      return ec2.describeInstancesPaginator(r -> r.instanceIds(id)).reservations().stream()
          .flatMap(r -> r.instances().stream())
          .findFirst()
          .map(AwsMachineProvider::machine);
    } catch (SdkException e) {
      if (e.getMessage() != null && e.getMessage().contains("InvalidInstanceID.NotFound")) {
        return Optional.empty();
      }
      throw AwsErrors.translate("finding instance " + id, e);
    }
  }

  @Override
  public void delete(ProviderContext context, MachineRef ref) throws ProviderException {
    Ec2Client ec2 = client(context, region(context, ref.region()));
    // by tag as well: a machine launched but not yet recorded has no providerID in the Peer
    List<String> ids = new ArrayList<>();
    find(context, ref)
        .filter(m -> !m.state().isGone())
        .ifPresent(m -> ids.add(instanceId(m.providerID())));
    findByTag(ec2, ref.peerId())
        .ifPresent(
            m -> {
              String id = instanceId(m.providerID());
              if (!ids.contains(id)) {
                ids.add(id);
              }
            });
    if (ids.isEmpty()) {
      return;
    }
    try {
      // the root volume and the network interface go with the instance (DeleteOnTermination)
      ec2.terminateInstances(r -> r.instanceIds(ids));
    } catch (SdkException e) {
      throw AwsErrors.translate("terminating " + ids, e);
    }
  }

  @Override
  public List<Machine> list(ProviderContext context, String clusterId) throws ProviderException {
    Ec2Client ec2 = client(context, region(context, null));
    return describe(
        ec2,
        "listing the cluster's instances",
        Filter.builder().name("tag:" + Tags.CLUSTER).values(clusterId).build());
  }

  @Override
  public void verifyCredentials(ProviderContext context) throws ProviderException {
    try {
      client(context, region(context, null)).describeAvailabilityZones();
    } catch (SdkException e) {
      throw AwsErrors.translate("checking the credentials with DescribeAvailabilityZones", e);
    }
  }

  @Override
  public Optional<InstanceCapacity> capacity(
      ProviderContext context, String region, String instanceType) throws ProviderException {
    String type = instanceType == null ? DEFAULT_INSTANCE_TYPE : instanceType;
    try {
      return client(context, region(context, region))
          .describeInstanceTypes(r -> r.instanceTypesWithStrings(type))
          .instanceTypes()
          .stream()
          .findFirst()
          .map(
              info ->
                  new InstanceCapacity(
                      info.vCpuInfo().defaultVCpus() * 1000L,
                      info.memoryInfo().sizeInMiB() * 1024L * 1024L));
    } catch (SdkException e) {
      throw AwsErrors.translate("looking up instance type " + type + " (DescribeInstanceTypes)", e);
    }
  }

  @Override
  public void releaseCluster(ProviderContext context) throws ProviderException {
    Ec2Client ec2 = client(context, region(context, null));
    for (SecurityGroup group : securityGroups(ec2, context)) {
      try {
        ec2.deleteSecurityGroup(r -> r.groupId(group.groupId()));
      } catch (SdkException e) {
        if (e.getMessage() == null || !e.getMessage().contains("InvalidGroup.NotFound")) {
          throw AwsErrors.translate("deleting security group " + group.groupId(), e);
        }
      }
    }
  }

  /** The cluster's security group: WireGuard's UDP port open to the world, shared by its peers. */
  private String ensureSecurityGroup(Ec2Client ec2, ProviderContext context, int listenPort)
      throws ProviderException {
    List<SecurityGroup> existing = securityGroups(ec2, context);
    if (!existing.isEmpty()) {
      return existing.get(0).groupId();
    }
    String name = securityGroupName(context);
    try {
      String id =
          ec2.createSecurityGroup(
                  r ->
                      r.groupName(name)
                          .description("meshfed cluster " + context.clusterName() + ": WireGuard")
                          .tagSpecifications(
                              TagSpecification.builder()
                                  .resourceType(ResourceType.SECURITY_GROUP)
                                  .tags(
                                      Tag.builder()
                                          .key(Tags.CLUSTER)
                                          .value(context.clusterId())
                                          .build(),
                                      Tag.builder().key("Name").value(name).build())
                                  .build()))
              .groupId();
      ec2.authorizeSecurityGroupIngress(
          r ->
              r.groupId(id)
                  .ipPermissions(
                      IpPermission.builder()
                          .ipProtocol("udp")
                          .fromPort(listenPort)
                          .toPort(listenPort)
                          .ipRanges(
                              IpRange.builder()
                                  .cidrIp("0.0.0.0/0")
                                  .description("WireGuard")
                                  .build())
                          .ipv6Ranges(
                              Ipv6Range.builder().cidrIpv6("::/0").description("WireGuard").build())
                          .build()));
      return id;
    } catch (SdkException e) {
      if (AwsErrors.code(e).equals("InvalidGroup.Duplicate")) {
        // another reconcile made it first; EC2 may not list it yet (eventual consistency): next
        // time
        return securityGroups(ec2, context).stream()
            .findFirst()
            .map(SecurityGroup::groupId)
            .orElseThrow(
                () ->
                    ProviderException.retryable(
                        "SecurityGroupNotVisibleYet",
                        "security group "
                            + name
                            + " was just made by another peer's reconcile and is not listed yet; trying again",
                        e));
      }
      throw AwsErrors.translate("creating security group " + name, e);
    }
  }

  private static List<SecurityGroup> securityGroups(Ec2Client ec2, ProviderContext context)
      throws ProviderException {
    try {
      return ec2
          .describeSecurityGroupsPaginator(
              r ->
                  r.filters(
                      Filter.builder()
                          .name("group-name")
                          .values(securityGroupName(context))
                          .build()))
          .securityGroups()
          .stream()
          .toList();
    } catch (SdkException e) {
      throw AwsErrors.translate("looking up the cluster's security group", e);
    }
  }

  static String securityGroupName(ProviderContext context) {
    return "meshfed-" + context.clusterId();
  }

  private static Optional<Machine> findByTag(Ec2Client ec2, String peerId)
      throws ProviderException {
    return describe(
            ec2,
            "finding the instance of peer " + peerId,
            Filter.builder().name("tag:" + Tags.PEER).values(peerId).build())
        .stream()
        .filter(m -> !m.state().isGone())
        .findFirst();
  }

  private static List<Machine> describe(Ec2Client ec2, String doing, Filter filter)
      throws ProviderException {
    try {
      return ec2
          .describeInstancesPaginator(
              DescribeInstancesRequest.builder()
                  .filters(
                      filter,
                      Filter.builder().name("instance-state-name").values(LIVE_STATES).build())
                  .build())
          .reservations()
          .stream()
          .flatMap(r -> r.instances().stream())
          .map(AwsMachineProvider::machine)
          .toList();
    } catch (SdkException e) {
      throw AwsErrors.translate(doing, e);
    }
  }

  static Machine machine(Instance instance) {
    String zone = instance.placement() == null ? "" : instance.placement().availabilityZone();
    Map<String, String> tags =
        instance.tags().stream()
            .filter(t -> t.key().startsWith("meshfed.io/"))
            .collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> a));
    return new Machine(
        "aws:///" + zone + "/" + instance.instanceId(),
        state(instance.state().name()),
        instance.publicIpAddress(),
        instance.privateIpAddress(),
        tags,
        instance.launchTime());
  }

  private static Machine.MachineState state(InstanceStateName name) {
    return switch (name) {
      case PENDING -> Machine.MachineState.PENDING;
      case RUNNING -> Machine.MachineState.RUNNING;
      case TERMINATED -> Machine.MachineState.TERMINATED;
      default -> Machine.MachineState.STOPPING;
    };
  }

  /** {@code aws:///eu-west-1a/i-0abc} → {@code i-0abc}. */
  static String instanceId(String providerID) {
    if (providerID == null || !providerID.startsWith("aws:///")) {
      return null;
    }
    return providerID.substring(providerID.lastIndexOf('/') + 1);
  }

  private static String region(ProviderContext context, String requested) throws ProviderException {
    return context.region(requested, NAME);
  }

  private Ec2Client client(ProviderContext context, String region) throws ProviderException {
    String accessKey = context.credentials().get("accessKeyId");
    String secretKey = context.credentials().get("secretAccessKey");
    if (accessKey == null || secretKey == null) {
      throw ProviderException.permanent(
          "InvalidCredentials",
          "the aws credentials Secret needs the keys accessKeyId and secretAccessKey",
          null);
    }
    String sessionToken = context.credentials().get("sessionToken");
    String endpoint = context.settings().get("endpoint");
    String key =
        MachineNames.sha256Hex(
            String.join(
                "|",
                region,
                String.valueOf(endpoint),
                accessKey,
                secretKey,
                String.valueOf(sessionToken)));
    return clients.computeIfAbsent(
        key,
        k -> {
          AwsCredentials credentials =
              sessionToken == null
                  ? AwsBasicCredentials.create(accessKey, secretKey)
                  : AwsSessionCredentials.create(accessKey, secretKey, sessionToken);
          var builder =
              Ec2Client.builder()
                  .region(Region.of(region))
                  .credentialsProvider(StaticCredentialsProvider.create(credentials))
                  .httpClientBuilder(UrlConnectionHttpClient.builder())
                  // a reconcile thread never waits on EC2 for long: retries included, a call ends
                  // in 30 s
                  .overrideConfiguration(
                      o ->
                          o.executionInterceptors(interceptors)
                              .apiCallTimeout(Duration.ofSeconds(30))
                              .apiCallAttemptTimeout(Duration.ofSeconds(10)));
          if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
          }
          return builder.build();
        });
  }
}
