package io.factnet.reliability.load;

import io.factnet.model.AddRule;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Allocation;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.CreateVpn;
import io.factnet.model.DeleteNetwork;
import io.factnet.model.DeleteSecurityGroup;
import io.factnet.model.DeleteVpn;
import io.factnet.model.DisassociateFloatingIp;
import io.factnet.model.InstanceBack;
import io.factnet.model.InstanceGone;
import io.factnet.model.LeaseGranted;
import io.factnet.model.LeaseReleased;
import io.factnet.model.MoveNetwork;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.RemoveRule;
import io.factnet.model.RemoveVpnPeer;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.SetProjectQuota;
import io.factnet.model.Status;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A seeded random mix of valid-looking requests over the whole command set: the admin setup first
 * ({@link Fleet}), then projects creating networks, groups, rules, fixed IPs, floating IPs (allocate,
 * associate, disassociate, release), VPNs and peers, node events and deletes, with now and then an
 * admin request (quota, moving a network).
 *
 * <p>Deterministic: the same seed gives the same requests (ids, projects, commands; only
 * {@code submittedAt} is the wall clock). Addresses and rule ids are the controller's to choose, so
 * requests that name one (associate, release, lease events, remove rule) use what {@link #observe}
 * learned from results, or a guess from the pool when nothing was learned. A caller that feeds results
 * back in rounds (generate, send, wait for the results, observe) stays deterministic given the
 * controller's answers; one that never observes is deterministic from the seed alone.
 */
public final class LoadGenerator {
    /** The project operations and their weights (out of {@link #TOTAL_WEIGHT}). */
    enum Op {
        ALLOCATE_FIXED(24), RELEASE_FIXED(9), INSTANCE_GONE(2), INSTANCE_BACK(1), LEASE(3),
        CREATE_GROUP(4), DELETE_GROUP(2), ADD_RULE(10), REMOVE_RULE(3),
        ALLOCATE_FLOATING(8), ASSOCIATE(8), DISASSOCIATE(4), RELEASE_FLOATING(4),
        CREATE_VPN(2), DELETE_VPN(1), ADD_PEER(4), REMOVE_PEER(2),
        CREATE_NETWORK_AGAIN(1), DELETE_NETWORK(1), RESERVE_ADDRESS(1), UNRESERVE_ADDRESS(1), AUTO_ASSIGN(1), SET_METADATA(1), MOVE_INSTANCE(1);

        final int weight;

        Op(int weight) {
            this.weight = weight;
        }
    }

    /**
     * The roles the load moves between nodes. Not addressing or bridging: a network's dnsmasq binds to its
     * bridge's gateway address, so those two must stay on one node, and the controller moves one role per
     * request (docs/RELIABILITY.md, findings).
     */
    static final List<NodeRole> MOVABLE = List.of(NodeRole.ROUTING, NodeRole.TUNNELING);

    private static final int TOTAL_WEIGHT = java.util.Arrays.stream(Op.values()).mapToInt(o -> o.weight).sum();

    private record Intent(ProjectView project, Object command) {
    }

    private final SplittableRandom random;
    private final String idPrefix;
    private final LoadShape shape;
    private final Clock clock;
    private final boolean learns;
    private final List<ProjectView> projects = new ArrayList<>();
    /** request id -> what it was for, for requests whose result teaches something (only when learning) */
    private final Map<String, Intent> awaiting = new HashMap<>();
    private long sequence;
    private int generated;

    /**
     * @param learnsFromResults true when the caller will pass every result to {@link #observe}
     */
    public LoadGenerator(long seed, LoadShape shape, boolean learnsFromResults, Clock clock) {
        this.random = new SplittableRandom(seed);
        this.idPrefix = "l" + Long.toHexString(seed);
        this.shape = shape;
        this.clock = clock;
        this.learns = learnsFromResults;
        for (int i = 0; i < shape.projects(); i++) {
            projects.add(new ProjectView(projectName(i)));
        }
    }

    public LoadGenerator(long seed, LoadShape shape) {
        this(seed, shape, false, Clock.systemUTC());
    }

    public static String projectName(int index) {
        return String.format(Locale.ROOT, "p%03d", index);
    }

    /** The fleet's admin requests: run them (and wait for their results) before the load. */
    public List<Request> adminSetup() {
        List<Request> setup = new ArrayList<>();
        for (Object command : Fleet.setupCommands()) {
            setup.add(Requests.admin(nextId(), command, clock));
        }
        // Tight quotas for every seventh project, so that QUOTA_EXCEEDED happens under load.
        for (int i = 0; i < projects.size(); i += 7) {
            setup.add(Requests.envelope(nextId(), projects.get(i).name,
                    SetProjectQuota.newBuilder().setFloatingIps(2).setSecurityGroups(3).setRulesPerGroup(4).build(), clock));
        }
        return setup;
    }

    public boolean hasNext() {
        return generated < shape.requests();
    }

    /** The next request of the load. */
    public Request next() {
        if (!hasNext()) {
            throw new IllegalStateException("the load of " + shape.requests() + " requests is complete");
        }
        generated++;
        ProjectView project = projects.get(skewedProject());
        if (random.nextInt(shape.adminEvery()) == 0) {
            return adminRequest(project);
        }
        Object command = projectCommand(project);
        Request request = Requests.envelope(nextId(), project.name, command, clock);
        if (learns && teaches(command)) {
            awaiting.put(request.getRequestId(), new Intent(project, command));
        }
        return request;
    }

    /** Up to {@code count} next requests. */
    public List<Request> next(int count) {
        List<Request> batch = new ArrayList<>(count);
        while (batch.size() < count && hasNext()) {
            batch.add(next());
        }
        return batch;
    }

    /** Busy and quiet projects: the smaller of two uniform picks favours the low numbers. */
    private int skewedProject() {
        return Math.min(random.nextInt(projects.size()), random.nextInt(projects.size()));
    }

    private String nextId() {
        return String.format(Locale.ROOT, "%s-%07d", idPrefix, sequence++);
    }

    private Request adminRequest(ProjectView project) {
        Object command;
        if (project.network && random.nextBoolean()) {
            NodeRole role = MOVABLE.get(random.nextInt(MOVABLE.size()));
            List<String> nodes = Fleet.nodesWith(role);
            command = MoveNetwork.newBuilder().setRole(role).setNodeId(nodes.get(random.nextInt(nodes.size()))).build();
        } else {
            command = SetProjectQuota.newBuilder().setFloatingIps(1 + random.nextInt(12))
                    .setSecurityGroups(1 + random.nextInt(12)).build();
        }
        return Requests.envelope(nextId(), project.name, command, clock);
    }

    private Object projectCommand(ProjectView p) {
        if (!p.network) {
            // nova's VlanManager made the network on the first fixed-IP request; most projects ask for it first
            if (random.nextInt(5) == 0) {
                p.networkCreated();
                return allocateFixed(p);
            }
            p.networkCreated();
            return CreateNetwork.newBuilder().setPhysicalNetwork(Fleet.PHYSICAL_NETWORK)
                    .setDnsServers(random.nextBoolean() ? List.of("192.0.2.53") : List.of()).build();
        }
        Op op = pickOp();
        Object command = commandFor(op, p);
        return command != null ? command : allocateFixed(p);
    }

    private Op pickOp() {
        int roll = random.nextInt(TOTAL_WEIGHT);
        for (Op op : Op.values()) {
            roll -= op.weight;
            if (roll < 0) {
                return op;
            }
        }
        throw new AssertionError();
    }

    /** The command for the operation, or null when the project has nothing it applies to. */
    private Object commandFor(Op op, ProjectView p) {
        return switch (op) {
            case ALLOCATE_FIXED -> allocateFixed(p);
            case RELEASE_FIXED -> ifAny(p.instances.keySet(), instance -> {
                p.instanceGone(instance);
                return new ReleaseFixedIp(instance);
            });
            // The network's bridging node reports the instance down (ADR 0031): it keeps its address (the controller's
            // default policy), so the view keeps it. Another node's report is refused.
            case INSTANCE_GONE -> ifAny(p.instances.keySet(), instance -> new InstanceGone(instance,
                    p.bridgingNode != null ? p.bridgingNode : Fleet.nodesWith(NodeRole.BRIDGING).get(0)));
            case INSTANCE_BACK -> ifAny(p.instances.keySet(), instance -> new InstanceBack(
                    p.bridgingNode != null ? p.bridgingNode : Fleet.nodesWith(NodeRole.BRIDGING).get(0), instance));
            case LEASE -> ifAny(p.fixedAddresses.keySet(), instance -> {
                String[] fixed = p.fixedAddresses.get(instance);
                String node = Fleet.nodesWith(NodeRole.ADDRESSING).get(0);
                return random.nextInt(3) == 0 ? new LeaseReleased(node, fixed[0], fixed[1])
                        : LeaseGranted.newBuilder().setNodeId(node).setAddress(fixed[0]).setMac(fixed[1])
                                .setHostname(instance).build();
            });
            case CREATE_GROUP -> {
                String name = "g" + (++p.nextGroup);
                p.groups.put(name, new ArrayList<>());
                yield CreateSecurityGroup.newBuilder().setName(name).setDescription("group " + name + " of " + p.name).build();
            }
            case DELETE_GROUP -> ifAny(p.groups.keySet().stream().filter(g -> !g.equals("default")
                    && !p.instances.containsValue(g)).toList(), group -> {
                p.groups.remove(group);
                return new DeleteSecurityGroup(group);
            });
            case ADD_RULE -> addRule(p);
            case REMOVE_RULE -> {
                String group = ProjectView.pick(random, p.groups.keySet());
                List<String> rules = p.groups.get(group);
                String ruleId = rules.isEmpty() ? "rule-" + (1 + random.nextInt(Math.max(1, p.nextRule)))
                        : rules.remove(random.nextInt(rules.size()));
                yield new RemoveRule(group, ruleId);
            }
            case ALLOCATE_FLOATING -> new AllocateFloatingIp(Fleet.POOLS.get(random.nextInt(Fleet.POOLS.size())).name());
            case ASSOCIATE -> ifAny(p.instances.keySet(), instance -> {
                String address = floatingAddress(p);
                if (address == null) {
                    return null;
                }
                p.associations.put(address, instance);
                return new AssociateFloatingIp(address, instance);
            });
            case DISASSOCIATE -> {
                String address = p.associations.isEmpty() ? floatingAddress(p) : ProjectView.pick(random, p.associations.keySet());
                p.associations.remove(address);
                yield address == null ? null : new DisassociateFloatingIp(address);
            }
            case RELEASE_FLOATING -> {
                String address = floatingAddress(p);
                if (address != null && !p.associations.containsKey(address)) {
                    p.floating.remove(address);
                }
                yield address == null ? null : new ReleaseFloatingIp(address);
            }
            case CREATE_VPN -> {
                p.vpn = true;
                yield new CreateVpn();
            }
            case DELETE_VPN -> {
                boolean had = p.vpn;
                p.vpn = false;
                p.peers.clear();
                yield had || random.nextInt(4) == 0 ? new DeleteVpn() : null;
            }
            case ADD_PEER -> {
                if (!p.vpn) {
                    yield null;
                }
                String key = wireguardKey();
                p.peers.add(key);
                yield new AddVpnPeer(key);
            }
            case REMOVE_PEER -> ifAny(p.peers, key -> {
                p.peers.remove(key);
                return new RemoveVpnPeer(key);
            });
            // The address after a known instance's, in its group's subnet: free, taken (IN_USE) or past the subnet.
            case RESERVE_ADDRESS -> ifAny(p.fixedAddresses.keySet(), instance -> {
                String[] octets = p.fixedAddresses.get(instance)[0].split("\\.");
                int last = Math.min(254, Integer.parseInt(octets[3]) + 1 + random.nextInt(3));
                String address = octets[0] + "." + octets[1] + "." + octets[2] + "." + last;
                p.reserved.put(address, p.instances.get(instance));
                return io.factnet.model.ReserveFixedAddress.newBuilder().setGroup(p.instances.get(instance)).setAddress(address)
                        .setDescription("appliance").build();
            });
            case UNRESERVE_ADDRESS -> ifAny(p.reserved.keySet(), address -> {
                String group = p.reserved.remove(address);
                return new io.factnet.model.UnreserveFixedAddress(group, address);
            });
            // on or off; the floating IPs it gives stay out of the view: they come and go with their instances
            case AUTO_ASSIGN -> new io.factnet.model.SetAutoAssignFloatingIp(random.nextBoolean() ? null
                    : Fleet.POOLS.get(random.nextInt(Fleet.POOLS.size())).name());
            // A known instance's cloud-init metadata (ADR 0033): one key and a small #cloud-config.
            case SET_METADATA -> ifAny(p.instances.keySet(), instance -> io.factnet.model.SetInstanceMetadata.newBuilder()
                    .setInstance(instance).setSshKeys(List.of(sshKey(instance)))
                    .setUserData("#cloud-config\nhostname: " + instance + "\n").build());
            // A known instance "moved" to the node its port is on (ADR 0035): accepted, and nothing changes. The load's
            // fleet has one bridging node per network, so a real move would only be refused; ComputeHostsTest moves them.
            case MOVE_INSTANCE -> ifAny(p.instances.keySet(), instance -> new io.factnet.model.MoveInstance(instance,
                    p.bridgingNode != null ? p.bridgingNode : Fleet.nodesWith(NodeRole.BRIDGING).get(0)));
            case CREATE_NETWORK_AGAIN -> CreateNetwork.newBuilder().build();
            case DELETE_NETWORK -> {
                if (!p.instances.isEmpty() && random.nextInt(4) != 0) {
                    yield null;
                }
                if (p.instances.isEmpty() && !p.vpn && p.floating.isEmpty()) {
                    p.networkDeleted();
                }
                yield new DeleteNetwork();
            }
        };
    }

    private <T> Object ifAny(java.util.Collection<T> from, Function<T, Object> command) {
        if (from.isEmpty()) {
            return null;
        }
        return command.apply(ProjectView.pick(random, List.copyOf(from)));
    }

    private AllocateFixedIp allocateFixed(ProjectView p) {
        String instance = "vm" + (++p.nextInstance);
        String group = ProjectView.pick(random, p.groups.keySet());
        p.instances.put(instance, group);
        AllocateFixedIp.Builder command = AllocateFixedIp.newBuilder().setInstance(instance).setGroup(group);
        if (random.nextInt(5) == 0) {
            command.setMac(locallyAdministeredMac());
        }
        if (random.nextInt(3) == 0) {
            command.setHostname("host-" + instance);
        }
        return command.build();
    }

    private AddRule addRule(ProjectView p) {
        String group = ProjectView.pick(random, p.groups.keySet());
        p.nextRule++;
        AddRule.Builder rule = AddRule.newBuilder().setGroup(group);
        switch (random.nextInt(4)) {
            case 0, 1 -> {
                int from = 1 + random.nextInt(65000);
                rule.setProtocol(random.nextBoolean() ? Protocol.TCP : Protocol.UDP)
                        .setFromPort(from).setToPort(Math.min(65535, from + random.nextInt(100)));
            }
            case 2 -> rule.setProtocol(Protocol.ICMP).setIcmpType(random.nextBoolean() ? 8 : 0).setIcmpCode(0);
            default -> rule.setProtocol(Protocol.ANY);
        }
        if (random.nextBoolean()) {
            rule.setSourceCidr(random.nextBoolean() ? "0.0.0.0/0" : "192.0.2." + (random.nextInt(8) * 32) + "/27");
        } else {
            rule.setSourceGroup(ProjectView.pick(random, p.groups.keySet()));
        }
        return rule.build();
    }

    /**
     * One of the project's floating addresses; when none is known, a guess from a pool if the generator
     * does not learn from results (it cannot know better), else null (it will know once one is allocated).
     */
    private String floatingAddress(ProjectView p) {
        if (!p.floating.isEmpty()) {
            return ProjectView.pick(random, p.floating);
        }
        if (learns) {
            return null;
        }
        Fleet.Pool pool = Fleet.POOLS.get(random.nextInt(Fleet.POOLS.size()));
        return pool.guessPrefix() + (pool.guessFirst() + random.nextInt(pool.guessLast() - pool.guessFirst() + 1));
    }

    /** A unicast, locally administered MAC (02:...). */
    private String locallyAdministeredMac() {
        StringBuilder mac = new StringBuilder("02");
        for (int i = 0; i < 5; i++) {
            mac.append(String.format(Locale.ROOT, ":%02x", random.nextInt(256)));
        }
        return mac.toString();
    }

    /** A WireGuard public key: base64 of 32 bytes. */
    /** An OpenSSH ed25519 public key line of random bytes (its blob names its type, as the controller checks). */
    private String sshKey(String comment) {
        byte[] type = "ssh-ed25519".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] key = new byte[32];
        random.nextBytes(key);
        java.nio.ByteBuffer blob = java.nio.ByteBuffer.allocate(4 + type.length + 4 + key.length);
        blob.putInt(type.length).put(type).putInt(key.length).put(key);
        return "ssh-ed25519 " + java.util.Base64.getEncoder().encodeToString(blob.array()) + " " + comment;
    }

    private String wireguardKey() {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private static boolean teaches(Object command) {
        return command instanceof AllocateFixedIp || command instanceof AllocateFloatingIp || command instanceof AddRule
                || command instanceof CreateSecurityGroup || command instanceof CreateVpn || command instanceof AddVpnPeer
                || command instanceof AssociateFloatingIp || command instanceof ReleaseFloatingIp
                || command instanceof CreateNetwork || command instanceof DeleteNetwork;
    }

    /**
     * Learns from a result: the addresses, MACs and rule ids the controller chose, and the things the
     * generator assumed that were refused. Results of requests it did not make are ignored.
     */
    public void observe(Result result) {
        Intent intent = awaiting.remove(result.getRequestId());
        if (intent == null) {
            return;
        }
        ProjectView p = intent.project();
        Allocation allocated = result.getAllocated();
        boolean accepted = result.getStatus() == Status.ACCEPTED;
        boolean existed = result.getReason() == Reason.ALREADY_EXISTS;
        Object command = intent.command();
        if (accepted) {
            result.getTouched().stream().filter(ref -> ref.getRole() == NodeRole.BRIDGING).findFirst()
                    .ifPresent(ref -> p.bridgingNode = ref.getNodeId()); // a network's, or a fixed IP's port
            if (allocated == null) {
                return;
            }
            if (command instanceof AllocateFloatingIp && allocated.getAddress() != null) {
                p.floating.add(allocated.getAddress());
            } else if (command instanceof AddRule add && allocated.getRuleId() != null && p.groups.containsKey(add.getGroup())) {
                p.groups.get(add.getGroup()).add(allocated.getRuleId());
            } else if (command instanceof AllocateFixedIp fixed && allocated.getAddress() != null
                    && p.instances.containsKey(fixed.getInstance())) {
                p.fixedAddresses.put(fixed.getInstance(), new String[] {allocated.getAddress(), allocated.getMac()});
            }
            return;
        }
        if (command instanceof AssociateFloatingIp associate) {
            p.associations.remove(associate.getAddress(), associate.getInstance());
        } else if (command instanceof ReleaseFloatingIp release && result.getReason() == Reason.IN_USE) {
            p.floating.add(release.getAddress());
        } else if (command instanceof DeleteNetwork && !p.network) {
            p.networkCreated();
        } else if (existed) {
            return; // what it asked to create is there: the generator's view is right
        } else if (command instanceof AllocateFixedIp fixed) {
            p.instanceGone(fixed.getInstance());
        } else if (command instanceof CreateSecurityGroup group) {
            p.groups.remove(group.getName());
        } else if (command instanceof CreateVpn) {
            p.vpn = false;
        } else if (command instanceof AddVpnPeer peer) {
            p.peers.remove(peer.getPublicKey());
        } else if (command instanceof CreateNetwork) {
            p.networkDeleted();
        }
    }
}
