package io.factnet.controller.reference;

import io.factnet.model.AddRule;
import io.factnet.model.Direction;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Allocation;
import io.factnet.model.AppliedAck;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.DeleteNetwork;
import io.factnet.model.DeleteSecurityGroup;
import io.factnet.model.DeleteVpn;
import io.factnet.model.DisassociateFloatingIp;
import io.factnet.model.InstanceBack;
import io.factnet.model.InstanceGone;
import io.factnet.model.LeaseGranted;
import io.factnet.model.LeaseReleased;
import io.factnet.model.MoveNetwork;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.RemoveRule;
import io.factnet.model.RemoveVpnPeer;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.SetAutoAssignFloatingIp;
import io.factnet.model.SetProjectQuota;
import io.factnet.model.Status;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * A plain, sequential model of what the NetworkController answers, written from docs/commands.md and
 * independent of the controller's code: maps, sets and arrays, one request at a time, no Kafka. Feed it
 * the same requests (with the topic, key and timestamp they arrive with) and compare its {@link Expected}s
 * with the controller's results. The generator of a test may read the model's state (projects,
 * instances, floating IPs...) to pick plausible requests.
 *
 * <p>Allocation policy it reproduces: every pool gives the first free index at or after a cursor that
 * moves past each index given (next fit); released fixed IPs (and deleted groups' subnets) are held for
 * the hold-down, holds ending in the order they were made; nodes are chosen least loaded, ties by node id.
 */
public final class ReferenceModel {

    /** The part of a result that must match: status, reason, the allocation's non-null fields, the nodes touched ("node/ROLE"). */
    public record Expected(String requestId, Status status, Reason reason, Map<String, Object> allocated, Set<String> touched) {

        /** The comparable part of a controller's result. */
        public static Expected of(Result result) {
            Map<String, Object> allocated = new LinkedHashMap<>();
            Allocation allocation = result.getAllocated();
            if (allocation != null) {
                for (Schema.Field field : allocation.getSchema().getFields()) {
                    Object value = allocation.get(field.pos());
                    if (value != null) {
                        allocated.put(field.name(), value);
                    }
                }
            }
            Set<String> touched = new LinkedHashSet<>();
            for (NodeRef ref : result.getTouched()) {
                touched.add(ref.getNodeId() + "/" + ref.getRole());
            }
            return new Expected(result.getRequestId(), result.getStatus(), result.getReason(), allocated, touched);
        }
    }

    public static final String ADMIN_PROJECT = "_admin";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    private static final Pattern RULE_ID = Pattern.compile("r[1-9][0-9]{0,9}");
    private static final Pattern DOMAIN = Pattern.compile("(?=.{1,253}$)" + LABEL.pattern() + "(\\." + LABEL.pattern() + ")*");

    private final long holdDownMillis;
    private final int stockSize;
    private final int stockLow;
    /** Floating IPs given from a project's stock, and stock refills that brought addresses (ADR 0039): what a run covered. */
    private int fromStock;
    private int refills;
    private int refillClaims;
    /**
     * The project-stage task's network slots (ADR 0044), by physical network, oldest first: {VLAN index, block index}. One
     * task: the topology test driver has one partition. Modelled only when the model decides the pools' choices itself.
     */
    private final int networkStockSize;
    private final int networkStockLow;
    private final Map<String, Deque<int[]>> taskSlots = new TreeMap<>();
    /** The task's networks by physical network: its slots there are held only while it has one. */
    private final Map<String, Integer> taskNetworks = new TreeMap<>();
    private int slotNetworks;
    private int slotRefillClaims;
    private int slotsGiven;
    /** factnet.instance-gone.release-after.ms: negative never, zero at the InstanceGone, else at the project's first request after. */
    private final long releaseGoneAfterMillis;

    // ---------------------------------------------------------------- global pools
    private final Map<String, Range> vlans = new TreeMap<>();
    private Supernet supernet;
    private final Map<String, FloatingPool> floatingPools = new TreeMap<>();
    private final TreeMap<String, NodeState> nodes = new TreeMap<>();
    // ---------------------------------------------------------------- projects
    private final Map<String, ProjectState> projects = new TreeMap<>();
    private final Map<String, Expected> seen = new LinkedHashMap<>();
    // ---------------------------------------------------------------- following the controller's shared pools
    /** The controller's answer to the request being applied, when its shared pools' decisions are to be followed. */
    private Expected observed;
    private final List<String> conflicts = new ArrayList<>();

    public ReferenceModel(Duration holdDown) {
        this(holdDown, Duration.ofMillis(-1));
    }

    /** @param releaseGoneAfter how long an instance stays down before its address is released (negative: never) */
    public ReferenceModel(Duration holdDown, Duration releaseGoneAfter) {
        this(holdDown, releaseGoneAfter, 4, 2);
    }

    /**
     * @param stockSize the most floating addresses of a pool a project holds in stock, stockLow the stock below which it
     *                  is refilled (factnet.floating.stock and .low, ADR 0039); the stock is modelled only when the model
     *                  decides the pools' choices itself (no answer to follow: a result does not show the stock)
     */
    public ReferenceModel(Duration holdDown, Duration releaseGoneAfter, int stockSize, int stockLow) {
        this(holdDown, releaseGoneAfter, stockSize, stockLow, 4, 2);
    }

    /**
     * @param networkStockSize the most network slots of a physical network the task holds, networkStockLow the stock below
     *                         which it is refilled (factnet.network.stock and .low, ADR 0044)
     */
    public ReferenceModel(Duration holdDown, Duration releaseGoneAfter, int stockSize, int stockLow, int networkStockSize,
                          int networkStockLow) {
        this.networkStockSize = networkStockSize;
        this.networkStockLow = networkStockLow;
        this.stockSize = stockSize;
        this.stockLow = stockLow;
        this.holdDownMillis = holdDown.toMillis();
        this.releaseGoneAfterMillis = releaseGoneAfter.isNegative() ? -1 : releaseGoneAfter.toMillis();
    }

    // ================================================================ small allocators (no shared code)

    /** Indexes 0..size-1, next fit from a cursor; holds: released indexes that stay taken until a time. */
    static final class Slots {
        final boolean[] taken;
        int cursor;
        final Deque<long[]> holds = new ArrayDeque<>();

        Slots(int size) {
            taken = new boolean[size];
        }

        int take(long now) {
            while (!holds.isEmpty() && holds.peekFirst()[1] <= now) {
                taken[(int) holds.pollFirst()[0]] = false;
            }
            for (int k = 0; k < taken.length; k++) {
                int i = (cursor + k) % taken.length;
                if (!taken[i]) {
                    taken[i] = true;
                    cursor = (i + 1) % taken.length;
                    return i;
                }
            }
            return -1;
        }

        int take() {
            return take(Long.MIN_VALUE);
        }

        void expire(long now) {
            while (!holds.isEmpty() && holds.peekFirst()[1] <= now) {
                taken[(int) holds.pollFirst()[0]] = false;
            }
        }

        Slots copy() {
            Slots copy = new Slots(taken.length);
            System.arraycopy(taken, 0, copy.taken, 0, taken.length);
            copy.cursor = cursor;
            holds.forEach(h -> copy.holds.addLast(h.clone()));
            return copy;
        }

        void hold(int index, long until) {
            holds.addLast(new long[] {index, until});
        }

        int used() {
            int n = 0;
            for (boolean t : taken) {
                n += t ? 1 : 0;
            }
            return n;
        }

        boolean full() {
            return used() == taken.length;
        }
    }

    static final class Range {
        int first;
        int last;
        Slots slots;
    }

    static final class Supernet {
        long network;
        int prefix;
        int blockPrefix;
        int groupPrefix;
        String cidr;
        Slots slots;
    }

    static final class FloatingPool {
        DefineFloatingPool definition;
        List<Long> addresses;
        Slots slots;
        int reserved;
    }

    static final class NodeState {
        String id;
        List<NodeRole> roles;
        String publicAddress;
        int portFirst;
        int portLast;
        Slots ports;
        final Map<NodeRole, Integer> load = new TreeMap<>();
        String publicKey;
        /** Empty: every physical network. */
        List<String> physnets = List.of();
        /** The VXLAN tunnel endpoint (RegisterNode.underlayAddress); null: none. */
        String underlay;

        boolean serves(String physnet) {
            return physnets.isEmpty() || physnets.contains(physnet);
        }

        int load(NodeRole role) {
            return load.getOrDefault(role, 0);
        }
    }

    static final class NetworkState {
        String physnet;
        int vlan;
        long block;
        int blockPrefix;
        int groupPrefix;
        String routing;
        String addressing;
        String bridging;
        String tunneling;
        Slots groupSlots;
        List<String> dnsServers = List.of();
        String domain = "novalocal";
        int leaseSeconds = 3600;

        String cidr() {
            return ip(block) + "/" + blockPrefix;
        }

        String gateway() {
            return ip(block + 1);
        }

        long vpnSubnet() {
            return block + (1L << (32 - blockPrefix)) - (1L << (32 - groupPrefix));
        }

        /** Instances per explicit host (AllocateFixedIp.host, MoveInstance): each carries the project's bridge (ADR 0035). */
        final Map<String, Integer> hosts = new TreeMap<>();

        /** The nodes that carry the project's bridge: the network's routing, addressing, bridging node and every host of an instance. */
        java.util.SortedSet<String> serving() {
            java.util.SortedSet<String> nodes = new java.util.TreeSet<>(hosts.keySet());
            nodes.add(bridging);
            nodes.add(routing);
            nodes.add(addressing);
            return nodes;
        }

        /** The nodes that run the project's instance ports: the bridging node and every host of an instance (checked when new). */
        java.util.SortedSet<String> portHosts() {
            java.util.SortedSet<String> nodes = new java.util.TreeSet<>(hosts.keySet());
            nodes.add(bridging);
            return nodes;
        }

        /** The DHCP server's address when the addressing node is not the routing node (ADR 0046): kept free always. */
        long dhcpAddress() {
            return vpnSubnet() - 2;
        }

        String hostOf(FixedState f) {
            return f.host != null ? f.host : bridging;
        }

        String node(NodeRole role) {
            return switch (role) {
                case ROUTING -> routing;
                case ADDRESSING -> addressing;
                case BRIDGING -> bridging;
                case TUNNELING -> tunneling;
            };
        }
    }

    record RuleState(String id, Protocol protocol, Integer from, Integer to, Integer icmpType, Integer icmpCode,
                     String sourceCidr, String sourceGroup, Direction direction, String destinationCidr,
                     String destinationGroup, String requestId) {
        boolean sameAs(RuleState o) {
            return protocol == o.protocol && Objects.equals(from, o.from) && Objects.equals(to, o.to)
                    && Objects.equals(icmpType, o.icmpType) && Objects.equals(icmpCode, o.icmpCode)
                    && Objects.equals(sourceCidr, o.sourceCidr) && Objects.equals(sourceGroup, o.sourceGroup)
                    && direction == o.direction && Objects.equals(destinationCidr, o.destinationCidr)
                    && Objects.equals(destinationGroup, o.destinationGroup);
        }

        /** The rule as AddRule stores it: its id and the request that created it. */
        RuleState added(String ruleId, String by) {
            return new RuleState(ruleId, protocol, from, to, icmpType, icmpCode, sourceCidr, sourceGroup, direction,
                    destinationCidr, destinationGroup, by);
        }

        /** Names this group as source or destination. */
        boolean names(String group) {
            return group.equals(sourceGroup) || group.equals(destinationGroup);
        }
    }

    static final class GroupState {
        /** What the controller publishes on factnet.state.groups; "default" once the network or a rule made it real. */
        boolean published;
        String description = "default";
        final List<RuleState> rules = new ArrayList<>();
        int nextRule = 1;
        int slot = -1;
        long subnet;
        Slots addresses;
        int instances;
        /** Reserved addresses (ReserveFixedAddress) and what they are for, in the order reserved. */
        final Map<Long, String> reserved = new java.util.LinkedHashMap<>();
    }

    static final class FixedState {
        String instance;
        String group;
        long address;
        String mac;
        String hostname;
        boolean leased;
        /** Marked down by its host (InstanceGone) at this project time; null: up. */
        Long downSince;
        /** The compute host it runs on; null: the network host. */
        String host;
    }

    static final class FloatingState {
        String pool;
        String instance;
        Long fixedAddress;
        /** Given with its instance's fixed IP (auto-assign): it stays with it and is released with it. */
        boolean autoAssigned;
    }

    static final class VpnState {
        String node;
        String publicAddress;
        int port;
        final Map<String, Long> peers = new LinkedHashMap<>();
        Slots peerSlots;
    }

    static final class ProjectState {
        String name;
        int floatingQuota = 10;
        int groupQuota = 10;
        int ruleQuota = 20;
        int fixedQuota = -1;
        /** SetAutoAssignFloatingIp: each new fixed IP gets a floating IP from this pool; null: off. */
        String autoAssignPool;
        long clock;
        long macCounter;
        int explicitGroups;
        /** Whether a decision has left the project holding something: until then the controller stores no record of it. */
        boolean exists;
        NetworkState network;
        final TreeMap<String, GroupState> groups = new TreeMap<>();
        final Map<String, FixedState> fixed = new TreeMap<>();
        final Map<String, FloatingState> floating = new TreeMap<>();
        /** Floating addresses the pools gave ahead of requests, by pool, oldest first (ADR 0039). */
        final Map<String, Deque<String>> stock = new TreeMap<>();
        VpnState vpn;

        GroupState group(String name) {
            if ("default".equals(name)) {
                return groups.computeIfAbsent(name, n -> new GroupState());
            }
            return groups.get(name);
        }

        FixedState fixedAt(long address) {
            return fixed.values().stream().filter(f -> f.address == address).findFirst().orElse(null);
        }

        String floatingOf(long fixedAddress) {
            return floating.entrySet().stream().filter(e -> Objects.equals(e.getValue().fixedAddress, fixedAddress))
                    .map(Map.Entry::getKey).findFirst().orElse(null);
        }
    }

    /** A refusal with its reason. */
    static final class Refused extends RuntimeException {
        final Reason reason;

        Refused(Reason reason) {
            super(reason.name(), null, false, false);
            this.reason = reason;
        }
    }

    static Refused refused(Reason reason) {
        return new Refused(reason);
    }

    /** What one request did: an allocation and the nodes whose desired state changed. */
    final class Effect {
        final Map<String, Object> allocated = new LinkedHashMap<>();
        final Set<String> touched = new LinkedHashSet<>();
        final ProjectState project;
        final long now;
        /** The request being handled (null for the model's own housekeeping). */
        String requestId;

        Effect(ProjectState project, long now) {
            this.project = project;
            this.now = now;
        }

        Effect put(String field, Object value) {
            allocated.put(field, value);
            return this;
        }

        void touch(String node, NodeRole role) {
            touched.add(node + "/" + role);
        }

        void touchNetwork(NodeRole role) {
            touch(project.network.node(role), role);
        }
    }

    // ================================================================ the entry point

    /** Applies one request as the controller would; null when the controller gives no result (applied acks). */
    public Expected apply(String topic, String key, Request request, long timestamp) {
        return apply(topic, key, request, timestamp, null);
    }

    /**
     * Applies one request, taking the shared pools' decisions from the controller's answer to it: the VLAN,
     * block and nodes of a new network, a floating address, a VPN's node and port, and the pools' refusals that
     * depend on the order of all projects' requests (POOL_EXHAUSTED, NO_NODE). Everything else (validation,
     * project state, group subnets, fixed addresses, MACs, rule ids, peers, quotas) the model decides itself.
     * For requests of many projects in an order that is not the one the pools saw (each project's requests
     * are in order, the projects interleaved), where the model's own next-fit choices would differ. A
     * decision taken from the answer that the model holds as given already is kept in {@link #conflicts()}.
     *
     * @param answer the controller's result, or null to decide everything here (requests in one total order)
     */
    public Expected apply(String topic, String key, Request request, long timestamp, Expected answer) {
        observed = answer;
        try {
            return decide(topic, key, request, timestamp);
        } finally {
            observed = null;
        }
    }

    /** Shared-pool decisions taken from the controller's answers that the model held as given already: each a double allocation. */
    public List<String> conflicts() {
        return List.copyOf(conflicts);
    }

    /** CONFLICT too: whether a node can carry a network depends on the other projects' networks already on it. */
    private static final Set<Reason> ORDER_DEPENDENT = Set.of(Reason.POOL_EXHAUSTED, Reason.NO_NODE, Reason.CONFLICT);

    /** Following the answer, the pools' order-dependent refusal comes from it (when nothing was granted). */
    private void followPoolRefusal() {
        if (observed != null && observed.status() == Status.REJECTED && ORDER_DEPENDENT.contains(observed.reason())
                && !observed.allocated().containsKey("vlan")) {
            throw refused(observed.reason());
        }
    }

    private int observedInt(String field) {
        Object value = observed.allocated().get(field);
        if (!(value instanceof Integer number)) {
            conflicts.add(observed.requestId() + ": the answer has no " + field + " to follow: " + observed);
            throw refused(Reason.INTERNAL);
        }
        return number;
    }

    private String observedNode(NodeRole role) {
        return observed.touched().stream().filter(t -> t.endsWith("/" + role)).map(t -> t.substring(0, t.lastIndexOf('/')))
                .findFirst().orElse(null);
    }

    /** Takes the index the controller chose; a conflict when the model holds it already. -1 when it is outside the pool. */
    private int takeObserved(Slots slots, long index, String what) {
        if (index < 0 || index >= slots.taken.length) {
            conflicts.add(observed.requestId() + ": " + what + " is outside its pool");
            return -1;
        }
        if (slots.taken[(int) index]) {
            conflicts.add(observed.requestId() + ": " + what + " was given while the model still held it");
        }
        slots.taken[(int) index] = true;
        return (int) index;
    }

    private Expected decide(String topic, String key, Request request, long timestamp) {
        Object command = request.getCommand();
        if (command instanceof AppliedAck ack && topic.equals(Topics.NODE_EVENTS.name())) {
            // an ack gives a key only to a node that has none (ADR 0025)
            if (ack.getRole() == NodeRole.TUNNELING && ack.getPublicKey() != null && validKey(ack.getPublicKey())
                    && nodes.containsKey(ack.getNodeId()) && nodes.get(ack.getNodeId()).publicKey == null) {
                nodes.get(ack.getNodeId()).publicKey = ack.getPublicKey();
            }
            return null;
        }
        Reason envelope = envelope(topic, key, request);
        if (envelope != null) {
            return new Expected(request.getRequestId(), Status.REJECTED, envelope, Map.of(), Set.of());
        }
        String seenKey = request.getProject() + "/" + request.getRequestId();
        Expected first = seen.get(seenKey);
        if (first != null) {
            return first;
        }
        ProjectState project = projects.computeIfAbsent(request.getProject(), p -> new ProjectState());
        project.name = request.getProject();
        project.clock = Math.max(project.clock, timestamp);
        releaseDownInstances(project);
        Effect effect = new Effect(project, project.clock);
        effect.requestId = request.getRequestId();
        Expected outcome;
        try {
            handle(command, effect);
            outcome = new Expected(request.getRequestId(), Status.ACCEPTED, Reason.OK, effect.allocated, effect.touched);
        } catch (Refused r) {
            outcome = new Expected(request.getRequestId(), Status.REJECTED, r.reason, Map.of(), Set.of());
        }
        seen.put(seenKey, outcome);
        if (!project.exists) {
            if (holdsNothing(request.getProject(), project)) {
                projects.remove(request.getProject()); // a project nobody made: nothing of it is kept but the request id
            } else {
                project.exists = true;
            }
        }
        return outcome;
    }

    /**
     * The operator's policy for crashed instances: an instance down for the release delay loses its address before the
     * project's next request is decided; the release is no part of that request's answer.
     */
    private void releaseDownInstances(ProjectState project) {
        if (releaseGoneAfterMillis < 0) {
            return;
        }
        List<String> due = project.fixed.values().stream()
                .filter(f -> f.downSince != null && f.downSince + releaseGoneAfterMillis <= project.clock).map(f -> f.instance).toList();
        for (String instance : due) {
            releaseFixed(instance, new Effect(project, project.clock));
        }
    }

    /** The controller's EmptyProjects.holdsNothing: no network, published group, address, VPN or quota of its own. */
    private static boolean holdsNothing(String name, ProjectState p) {
        return !ADMIN_PROJECT.equals(name) && p.network == null && p.vpn == null && p.fixed.isEmpty() && p.floating.isEmpty()
                && p.explicitGroups == 0 && p.groups.values().stream().noneMatch(g -> g.published)
                && p.floatingQuota == 10 && p.groupQuota == 10 && p.ruleQuota == 20 && p.fixedQuota == -1
                && p.autoAssignPool == null && p.stock.isEmpty();
    }

    private static final Set<Class<?>> POOL_WIDE = Set.of(DefineVlanRange.class, DefineSupernet.class,
            DefineFloatingPool.class, RegisterNode.class);
    private static final Set<Class<?>> ADMIN_ONLY = Set.of(DefineVlanRange.class, DefineSupernet.class,
            DefineFloatingPool.class, RegisterNode.class, MoveNetwork.class, SetProjectQuota.class);
    private static final Set<Class<?>> FROM_NODES = Set.of(LeaseGranted.class, LeaseReleased.class, InstanceGone.class,
            InstanceBack.class, AppliedAck.class);

    private static Reason envelope(String topic, String key, Request request) {
        if (!REQUEST_ID.matcher(request.getRequestId()).matches()) {
            return Reason.INVALID_ARGUMENT;
        }
        Class<?> type = request.getCommand().getClass();
        boolean allowed;
        if (topic.equals(Topics.REQUESTS.name())) {
            allowed = !ADMIN_ONLY.contains(type) && !FROM_NODES.contains(type);
        } else if (topic.equals(Topics.ADMIN_REQUESTS.name())) {
            allowed = !FROM_NODES.contains(type);
        } else {
            allowed = FROM_NODES.contains(type); // nodes do not register themselves (ADR 0025)
        }
        if (!allowed) {
            return Reason.UNAUTHORIZED;
        }
        String project = request.getProject();
        boolean projectOk = POOL_WIDE.contains(type) ? project.equals(ADMIN_PROJECT) : NAME.matcher(project).matches();
        if (!projectOk || !project.equals(key)) {
            return Reason.INVALID_ARGUMENT;
        }
        return null;
    }

    private void handle(Object command, Effect e) {
        if (command instanceof DefineVlanRange c) {
            defineVlans(c);
        } else if (command instanceof DefineSupernet c) {
            defineSupernet(c, e);
        } else if (command instanceof DefineFloatingPool c) {
            defineFloating(c, e);
        } else if (command instanceof RegisterNode c) {
            register(c, e);
        } else if (command instanceof SetProjectQuota c) {
            setQuota(c, e.project);
        } else if (command instanceof MoveNetwork c) {
            move(c, e);
        } else if (command instanceof CreateNetwork c) {
            createNetwork(c, e);
        } else if (command instanceof DeleteNetwork) {
            deleteNetwork(e);
        } else if (command instanceof CreateSecurityGroup c) {
            createGroup(c, e);
        } else if (command instanceof DeleteSecurityGroup c) {
            deleteGroup(c, e);
        } else if (command instanceof AddRule c) {
            addRule(c, e);
        } else if (command instanceof RemoveRule c) {
            removeRule(c, e);
        } else if (command instanceof AllocateFixedIp c) {
            allocateFixed(c, e);
        } else if (command instanceof ReleaseFixedIp c) {
            releaseFixed(name(c.getInstance()), e);
        } else if (command instanceof io.factnet.model.MoveInstance c) {
            moveInstance(c, e);
        } else if (command instanceof InstanceGone c) {
            gone(c, e);
        } else if (command instanceof InstanceBack c) {
            back(c, e);
        } else if (command instanceof AllocateFloatingIp c) {
            allocateFloating(c, e);
        } else if (command instanceof ReleaseFloatingIp c) {
            releaseFloating(c, e);
        } else if (command instanceof AssociateFloatingIp c) {
            associate(c, e);
        } else if (command instanceof DisassociateFloatingIp c) {
            disassociate(c, e);
        } else if (command instanceof SetAutoAssignFloatingIp c) {
            setAutoAssign(c, e);
        } else if (command instanceof CreateVpn) {
            createVpn(e);
        } else if (command instanceof DeleteVpn) {
            deleteVpn(e);
        } else if (command instanceof AddVpnPeer c) {
            addPeer(c, e);
        } else if (command instanceof RemoveVpnPeer c) {
            removePeer(c, e);
        } else if (command instanceof LeaseGranted c) {
            check(c.getHostname() == null || LABEL.matcher(c.getHostname()).matches());
            lease(c.getNodeId(), c.getAddress(), c.getMac(), true, e);
        } else if (command instanceof LeaseReleased c) {
            lease(c.getNodeId(), c.getAddress(), c.getMac(), false, e);
        } else if (command instanceof io.factnet.model.ReserveFixedAddress c) {
            reserve(c, e);
        } else if (command instanceof io.factnet.model.UnreserveFixedAddress c) {
            unreserve(c, e);
        } else if (command instanceof io.factnet.model.SetInstanceMetadata c) {
            setMetadata(c, e);
        } else {
            throw new IllegalArgumentException("no model of " + command.getClass());
        }
    }

    // ================================================================ validation

    static void check(boolean ok) {
        if (!ok) {
            throw refused(Reason.INVALID_ARGUMENT);
        }
    }

    static String name(String value) {
        check(value != null && NAME.matcher(value).matches());
        return value;
    }

    static long address(String value) {
        check(value != null && value.matches("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}"));
        long result = 0;
        for (String octet : value.split("\\.")) {
            int n = Integer.parseInt(octet);
            check(n <= 255);
            result = result * 256 + n;
        }
        return result;
    }

    /** {network, prefix} of an aligned CIDR. */
    static long[] cidr(String value) {
        check(value != null && value.contains("/"));
        String[] parts = value.split("/", -1);
        check(parts.length == 2 && parts[1].matches("0|[1-9][0-9]?"));
        long network = address(parts[0]);
        int prefix = Integer.parseInt(parts[1]);
        check(prefix <= 32 && (network & ((1L << (32 - prefix)) - 1)) == 0);
        return new long[] {network, prefix};
    }

    static int between(Integer value, int min, int max) {
        check(value != null && value >= min && value <= max);
        return value;
    }

    static String mac(String value) {
        check(value != null && MAC.matcher(value).matches());
        String mac = value.toLowerCase(Locale.ROOT);
        check((Integer.parseInt(mac.substring(0, 2), 16) & 1) == 0 && !mac.equals("00:00:00:00:00:00"));
        return mac;
    }

    static boolean validKey(String key) {
        try {
            return key.length() == 44 && key.endsWith("=") && Base64.getDecoder().decode(key).length == 32
                    && Base64.getEncoder().encodeToString(Base64.getDecoder().decode(key)).equals(key);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String ip(long address) {
        return (address >> 24 & 255) + "." + (address >> 16 & 255) + "." + (address >> 8 & 255) + "." + (address & 255);
    }

    // ================================================================ admin

    private void defineVlans(DefineVlanRange c) {
        name(c.getPhysicalNetwork());
        between(c.getFirst(), 1, 4094);
        between(c.getLast(), 1, 4094);
        check(c.getFirst() <= c.getLast());
        Range old = vlans.get(c.getPhysicalNetwork());
        if (old != null) {
            if (old.first == c.getFirst() && old.last == c.getLast()) {
                return;
            }
            if (old.slots.used() > 0) {
                throw refused(Reason.IN_USE);
            }
        }
        Range range = new Range();
        range.first = c.getFirst();
        range.last = c.getLast();
        range.slots = new Slots(range.last - range.first + 1);
        vlans.put(c.getPhysicalNetwork(), range);
    }

    private void defineSupernet(DefineSupernet c, Effect e) {
        long[] net = cidr(c.getCidr());
        int block = between(c.getBlockPrefix(), (int) net[1], 29);
        int group = between(c.getGroupPrefix(), 16, 30);
        check(group > block && block - net[1] <= 20);
        e.put("cidr", c.getCidr());
        if (supernet != null) {
            if (supernet.cidr.equals(c.getCidr()) && supernet.blockPrefix == block && supernet.groupPrefix == group) {
                return;
            }
            if (supernet.slots.used() > 0) {
                throw refused(Reason.IN_USE);
            }
        }
        Supernet s = new Supernet();
        s.network = net[0];
        s.prefix = (int) net[1];
        s.blockPrefix = block;
        s.groupPrefix = group;
        s.cidr = c.getCidr();
        s.slots = new Slots(1 << (block - s.prefix));
        supernet = s;
    }

    private void defineFloating(DefineFloatingPool c, Effect e) {
        name(c.getPool());
        check(!c.getCidrs().isEmpty() || !c.getRanges().isEmpty());
        TreeSet<Long> addresses = new TreeSet<>();
        for (String text : c.getCidrs()) {
            long[] net = cidr(text);
            long size = 1L << (32 - net[1]);
            check(size <= (1 << 20));
            for (long a = net[0]; a < net[0] + size; a++) {
                if (net[1] > 30 || (a != net[0] && a != net[0] + size - 1)) {
                    addresses.add(a);
                }
            }
        }
        for (String text : c.getRanges()) {
            String[] ends = text.split("-", -1);
            check(ends.length == 2);
            long first = address(ends[0]);
            long last = address(ends[1]);
            check(first <= last && last - first < (1 << 20));
            for (long a = first; a <= last; a++) {
                addresses.add(a);
            }
        }
        for (String excluded : c.getExcluded()) {
            address(excluded);
        }
        check(addresses.size() <= (1 << 20));
        e.put("pool", c.getPool());
        FloatingPool old = floatingPools.get(c.getPool());
        if (old != null) {
            if (old.definition.equals(c)) {
                return;
            }
            if (old.slots.used() - old.reserved > 0) {
                throw refused(Reason.IN_USE);
            }
        }
        for (Map.Entry<String, FloatingPool> other : floatingPools.entrySet()) {
            if (!other.getKey().equals(c.getPool()) && !Collections.disjoint(other.getValue().addresses, addresses)) {
                throw refused(Reason.CONFLICT);
            }
        }
        FloatingPool pool = new FloatingPool();
        pool.definition = c;
        pool.addresses = new ArrayList<>(addresses);
        pool.slots = new Slots(addresses.size());
        for (String excluded : new LinkedHashSet<>(c.getExcluded())) {
            int index = pool.addresses.indexOf(address(excluded));
            if (index >= 0) {
                pool.slots.taken[index] = true;
                pool.reserved++;
            }
        }
        floatingPools.put(c.getPool(), pool);
    }

    private void register(RegisterNode c, Effect e) {
        name(c.getNodeId());
        check(!c.getRoles().isEmpty() && new HashSet<>(c.getRoles()).size() == c.getRoles().size());
        address(c.getPublicAddress());
        between(c.getVpnPortFirst(), 1, 65535);
        between(c.getVpnPortLast(), 1, 65535);
        check(c.getVpnPortFirst() <= c.getVpnPortLast());
        check(c.getPhysicalNetworks().size() <= 64 && new HashSet<>(c.getPhysicalNetworks()).size() == c.getPhysicalNetworks().size());
        c.getPhysicalNetworks().forEach(ReferenceModel::name);
        if (c.getUnderlayAddress() != null) {
            address(c.getUnderlayAddress());
        }
        check(c.getPublicKey() == null || validKey(c.getPublicKey()) && c.getRoles().contains(NodeRole.TUNNELING));
        e.put("nodeId", c.getNodeId());
        if (c.getRoles().contains(NodeRole.TUNNELING)) {
            for (NodeState other : nodes.values()) {
                if (!other.id.equals(c.getNodeId()) && other.roles.contains(NodeRole.TUNNELING)
                        && c.getVpnPortFirst() <= other.portLast && other.portFirst <= c.getVpnPortLast()) {
                    throw refused(Reason.CONFLICT);
                }
            }
        }
        NodeState old = nodes.get(c.getNodeId());
        NodeState node = new NodeState();
        node.id = c.getNodeId();
        node.roles = List.copyOf(c.getRoles());
        node.publicAddress = c.getPublicAddress();
        node.portFirst = c.getVpnPortFirst();
        node.portLast = c.getVpnPortLast();
        node.ports = new Slots(node.portLast - node.portFirst + 1);
        c.getRoles().forEach(role -> node.load.put(role, 0));
        node.physnets = List.copyOf(c.getPhysicalNetworks());
        node.publicKey = c.getPublicKey();
        node.underlay = c.getUnderlayAddress();
        if (old != null) {
            for (Map.Entry<NodeRole, Integer> entry : old.load.entrySet()) {
                if (c.getRoles().contains(entry.getKey())) {
                    node.load.put(entry.getKey(), entry.getValue());
                } else if (entry.getValue() > 0) {
                    throw refused(Reason.IN_USE);
                }
            }
            if (!old.publicAddress.equals(node.publicAddress) && old.load(NodeRole.TUNNELING) > 0) {
                throw refused(Reason.IN_USE);
            }
            for (int i = 0; i < old.ports.taken.length; i++) {
                if (old.ports.taken[i]) {
                    int port = old.portFirst + i;
                    if (port < node.portFirst || port > node.portLast) {
                        throw refused(Reason.IN_USE);
                    }
                    node.ports.taken[port - node.portFirst] = true;
                }
            }
            for (ProjectState p : projects.values()) {
                if (p.network != null && !node.serves(p.network.physnet) && carries(old.id, p.network, false)) {
                    throw refused(Reason.IN_USE);
                }
            }
            if (node.publicKey == null) {
                node.publicKey = old.publicKey;
            }
            if (old.roles.equals(node.roles) && old.publicAddress.equals(node.publicAddress)
                    && old.portFirst == node.portFirst && old.portLast == node.portLast
                    && old.physnets.equals(node.physnets) && Objects.equals(old.publicKey, node.publicKey)
                    && Objects.equals(old.underlay, node.underlay)) {
                return; // unchanged: the old state (and its port cursor) stays
            }
        }
        nodes.put(node.id, node);
    }

    private static void setQuota(SetProjectQuota c, ProjectState p) {
        int floating = c.getFloatingIps() == null ? p.floatingQuota : between(c.getFloatingIps(), 0, 100_000);
        int groups = c.getSecurityGroups() == null ? p.groupQuota : between(c.getSecurityGroups(), 0, 1000);
        int rules = c.getRulesPerGroup() == null ? p.ruleQuota : between(c.getRulesPerGroup(), 0, 1000);
        int fixed = c.getFixedIps() == null ? p.fixedQuota : between(c.getFixedIps(), -1, 1_000_000);
        p.floatingQuota = floating;
        p.groupQuota = groups;
        p.ruleQuota = rules;
        p.fixedQuota = fixed;
    }

    private void addLoad(String node, NodeRole role, int delta) {
        NodeState state = nodes.get(node);
        if (state != null) {
            state.load.put(role, Math.max(0, state.load(role) + delta));
        }
    }

    private NodeState leastLoaded(NodeRole role, boolean needPort) {
        return leastLoaded(role, needPort, null, 0);
    }

    /** The least loaded node of the role that can carry a network of physnet on vlan (physnet null: any node). */
    private NodeState leastLoaded(NodeRole role, boolean needPort, String physnet, int vlan) {
        NodeState best = null;
        for (NodeState node : nodes.values()) { // in node id order: the first of equal load wins
            if (node.roles.contains(role) && (!needPort || !node.ports.full())
                    && (physnet == null || canCarry(node, role, physnet, vlan))
                    && (best == null || node.load(role) < best.load(role))) {
                best = node;
            }
        }
        return best;
    }

    /** The least loaded routing node that can take all the roles, or null. */
    private NodeState networkHost(List<NodeRole> roles, String physnet, int vlan) {
        NodeState best = null;
        for (NodeState node : nodes.values()) { // in node id order: the first of equal load wins
            if (roles.stream().allMatch(role -> node.roles.contains(role) && canCarry(node, role, physnet, vlan))
                    && (best == null || node.load(NodeRole.ROUTING) < best.load(NodeRole.ROUTING))) {
                best = node;
            }
        }
        return best;
    }

    /** Whether a network's share lives on the node: any role (each has the bridge br&lt;vlan&gt;, ADR 0046), or an instance. */
    private static boolean carries(String node, NetworkState n, boolean namedOnly) {
        return node.equals(n.addressing) || node.equals(n.bridging) || node.equals(n.tunneling) || n.hosts.containsKey(node)
                || node.equals(n.routing);
    }

    /**
     * The node serves the physical network, and (but for routing) no network of another physical network with
     * the same VLAN id has its bridge, dnsmasq or WireGuard interface there: their names (br, vlan, wg + VLAN id) would clash.
     */
    private boolean canCarry(NodeState node, NodeRole role, String physnet, int vlan) {
        if (!node.serves(physnet)) {
            return false;
        }
        for (ProjectState p : projects.values()) {
            NetworkState n = p.network;
            if (n != null && n.vlan == vlan && !n.physnet.equals(physnet) && carries(node.id, n, true)) {
                return false;
            }
        }
        return true;
    }

    /** Why no node takes the role of a network of physnet on vlan: none has the role or serves physnet (NO_NODE), or all clash. */
    private Refused noneFits(NodeRole role, String physnet) {
        boolean serving = nodes.values().stream().anyMatch(n -> n.roles.contains(role) && n.serves(physnet));
        return refused(serving ? Reason.CONFLICT : Reason.NO_NODE);
    }

    private void move(MoveNetwork c, Effect e) {
        String target = name(c.getNodeId());
        ProjectState p = e.project;
        if (p.network == null || (c.getRole() == NodeRole.TUNNELING && p.vpn == null)) {
            throw refused(Reason.NOT_FOUND);
        }
        NodeRole role = c.getRole();
        String from = p.network.node(role);
        e.put("nodeId", target);
        if (from.equals(target)) {
            return;
        }
        NodeState to = nodes.get(target);
        if (to == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (!to.roles.contains(role)) {
            throw refused(Reason.CONFLICT);
        }
        followPoolRefusal();
        if (observed == null && !canCarry(to, role, p.network.physnet, p.network.vlan)) {
            throw refused(Reason.CONFLICT);
        }
        if (role == NodeRole.TUNNELING) {
            int index = observed == null ? to.ports.take()
                    : takeObserved(to.ports, observedInt("port") - to.portFirst, "VPN port " + to.id + ":" + observed.allocated().get("port"));
            if (index < 0) {
                throw refused(Reason.POOL_EXHAUSTED);
            }
            NodeState old = nodes.get(from);
            if (old != null) {
                old.ports.taken[p.vpn.port - old.portFirst] = false;
            }
            p.vpn.node = target;
            p.vpn.publicAddress = to.publicAddress;
            p.vpn.port = to.portFirst + index;
            e.put("port", p.vpn.port);
            e.touchNetwork(NodeRole.ROUTING);
        }
        addLoad(from, role, -1);
        addLoad(target, role, 1);
        java.util.SortedSet<String> servingBefore = p.network.serving();
        switch (role) {
            case ROUTING -> p.network.routing = target;
            case ADDRESSING -> p.network.addressing = target;
            case BRIDGING -> p.network.bridging = target;
            case TUNNELING -> p.network.tunneling = target;
        }
        e.touch(from, role);
        e.touch(target, role);
        if (role == NodeRole.ROUTING) {
            e.touch(p.network.addressing, NodeRole.ADDRESSING); // the DHCP server moves off the gateway or back (ADR 0046)
        }
        if (role != NodeRole.TUNNELING) {
            // every node of the network carries its bridge: every bridge's peers and addresses change (ADR 0046)
            servingBefore.forEach(node -> e.touch(node, NodeRole.BRIDGING));
            p.network.serving().forEach(node -> e.touch(node, NodeRole.BRIDGING));
        }
    }

    // ================================================================ networks

    /** The saga of a network: VLAN, then block, then nodes; a refusal gives back what was taken. */
    private NetworkState newNetwork(String physnet) {
        return newNetwork(physnet, null);
    }

    /** {@code lastHop}: a later hop of the same claim (auto-assign's floating IP); its refusal gives back what the network took. */
    /** A later hop of a network's claim, told where the network's earlier hops put it. */
    interface LastHop {
        void run(String physnet, int vlan, String networkHost);
    }

    private NetworkState newNetwork(String physnet, LastHop lastHop) {
        Range range = vlans.get(physnet);
        if (range == null) {
            throw refused(Reason.NOT_CONFIGURED);
        }
        followPoolRefusal();
        // A slot of the task's stock (ADR 0044): its VLAN and block were taken ahead; only the placement is a hop. Without
        // one, the saga takes the network's VLAN and block and, after each, the slots it brings for the stock.
        Deque<int[]> stocked = observed == null ? taskSlots.get(physnet) : null;
        int[] slot = stocked == null || stocked.isEmpty() ? null : stocked.pollFirst();
        List<Integer> slotVlans = new ArrayList<>();
        List<Integer> slotBlocks = new ArrayList<>();
        int vlanIndex;
        int blockIndex;
        if (slot != null) {
            slotNetworks++;
            if (stocked.isEmpty()) {
                taskSlots.remove(physnet);
            }
            if (stocked.size() < networkStockLow) {
                refillSlots(physnet, range, networkStockSize - stocked.size());
            }
            vlanIndex = slot[0];
            blockIndex = slot[1];
        } else {
            vlanIndex = observed == null ? range.slots.take()
                    : takeObserved(range.slots, observedInt("vlan") - range.first, "VLAN " + observed.allocated().get("vlan"));
            if (vlanIndex < 0) {
                throw refused(Reason.POOL_EXHAUSTED);
            }
            int stock = observed == null ? networkStockSize : 0;
            slotVlans.addAll(takeHalf(range.slots, stock));
            blockIndex = supernet == null ? -2 : observed == null ? supernet.slots.take() : takeObserved(supernet.slots,
                    (address((String) observed.allocated().get("gateway")) - 1 - supernet.network) >> (32 - supernet.blockPrefix),
                    "the block of gateway " + observed.allocated().get("gateway"));
            if (blockIndex < 0) {
                range.slots.taken[vlanIndex] = false;
                slotVlans.forEach(i -> range.slots.taken[i] = false);
                throw refused(blockIndex == -2 ? Reason.NOT_CONFIGURED : Reason.POOL_EXHAUSTED);
            }
            slotBlocks.addAll(takeHalf(supernet.slots, Math.min(stock, slotVlans.size())));
        }
        Runnable giveBack = () -> {
            range.slots.taken[vlanIndex] = false;
            supernet.slots.taken[blockIndex] = false;
            slotVlans.forEach(i -> range.slots.taken[i] = false);
            slotBlocks.forEach(i -> supernet.slots.taken[i] = false);
        };
        int vlan = range.first + vlanIndex;
        NodeState[] placed = new NodeState[3];
        List<NodeRole> roles = List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
        for (int i = 0; i < roles.size(); i++) {
            placed[i] = placed(roles.get(i), physnet, vlan, i == 0 ? networkHost(roles, physnet, vlan) : placed[i - 1]);
            if (placed[i] == null) {
                giveBack.run();
                throw noneFits(roles.get(i), physnet);
            }
        }
        if (lastHop != null) {
            try {
                lastHop.run(physnet, vlan, placed[2].id);
            } catch (Refused r) {
                giveBack.run();
                throw r;
            }
        }
        if (observed == null) {
            taskNetworks.merge(physnet, 1, Integer::sum);
            addSlots(physnet, range, slotVlans, slotBlocks);
        }
        NodeState routing = placed[0];
        NodeState addressing = placed[1];
        NodeState bridging = placed[2];
        NetworkState n = new NetworkState();
        n.physnet = physnet;
        n.vlan = range.first + vlanIndex;
        n.blockPrefix = supernet.blockPrefix;
        n.groupPrefix = supernet.groupPrefix;
        n.block = supernet.network + ((long) blockIndex << (32 - n.blockPrefix));
        n.routing = routing.id;
        n.addressing = addressing.id;
        n.bridging = bridging.id;
        addLoad(n.routing, NodeRole.ROUTING, 1);
        addLoad(n.addressing, NodeRole.ADDRESSING, 1);
        addLoad(n.bridging, NodeRole.BRIDGING, 1);
        int slots = 1 << (n.groupPrefix - n.blockPrefix);
        n.groupSlots = new Slots(slots);
        n.groupSlots.taken[slots - 1] = true; // VPN clients
        return n;
    }

    /** The next free indexes of a pool for slots, while half of the pool stays free (ADR 0044, as ADR 0039's stock). */
    private static List<Integer> takeHalf(Slots pool, int count) {
        List<Integer> taken = new ArrayList<>();
        int reserve = pool.taken.length / 2;
        int free = pool.taken.length - pool.used();
        while (taken.size() < count && free > reserve) {
            taken.add(pool.take());
            free--;
        }
        return taken;
    }

    /** A slot refill claim, which the controller's pool stage answers before the next request here: VLANs, then blocks. */
    private void refillSlots(String physnet, Range range, int count) {
        List<Integer> slotVlans = takeHalf(range.slots, count);
        List<Integer> slotBlocks = supernet == null ? List.of() : takeHalf(supernet.slots, Math.min(count, slotVlans.size()));
        slotRefillClaims++;
        addSlots(physnet, range, slotVlans, slotBlocks);
    }

    /** VLANs and blocks paired in order into the task's slots, up to the stock size while it has a network there; the rest freed. */
    private void addSlots(String physnet, Range range, List<Integer> slotVlans, List<Integer> slotBlocks) {
        boolean holds = taskNetworks.getOrDefault(physnet, 0) > 0;
        Deque<int[]> stock = taskSlots.getOrDefault(physnet, new ArrayDeque<>());
        for (int i = 0; i < Math.max(slotVlans.size(), slotBlocks.size()); i++) {
            if (i < slotVlans.size() && i < slotBlocks.size() && holds && stock.size() < networkStockSize) {
                stock.addLast(new int[] {slotVlans.get(i), slotBlocks.get(i)});
                slotsGiven++;
            } else {
                if (i < slotVlans.size()) {
                    range.slots.taken[slotVlans.get(i)] = false;
                }
                if (i < slotBlocks.size()) {
                    supernet.slots.taken[slotBlocks.get(i)] = false;
                }
            }
        }
        if (!stock.isEmpty()) {
            taskSlots.put(physnet, stock);
        }
    }

    /** New networks made from a slot of the task's stock so far (ADR 0044). */
    public int slotNetworks() {
        return slotNetworks;
    }

    /** Slot refill claims so far, and slots that joined the stock (from refills and from networks' own claims). */
    public int slotRefillClaims() {
        return slotRefillClaims;
    }

    public int slotsGiven() {
        return slotsGiven;
    }

    /** The task's slots by physical network, oldest first, as VLAN id and block: what the controller's store must hold. */
    public Map<String, List<String>> taskSlots() {
        Map<String, List<String>> all = new TreeMap<>();
        taskSlots.forEach((physnet, stock) -> all.put(physnet, stock.stream().map(slot -> (vlans.get(physnet).first + slot[0])
                + " " + ip(supernet.network + ((long) slot[1] << (32 - supernet.blockPrefix))) + "/" + supernet.blockPrefix).toList()));
        return all;
    }

    /**
     * The node a new network's role goes to: the node of the role before it (for routing: the least loaded node that can
     * take all three roles) when that node can take it, else the least loaded; or the one the controller chose.
     */
    private NodeState placed(NodeRole role, String physnet, int vlan, NodeState previous) {
        if (observed == null) {
            return previous != null && previous.roles.contains(role) && canCarry(previous, role, physnet, vlan) ? previous
                    : leastLoaded(role, false, physnet, vlan);
        }
        String id = observedNode(role);
        return id == null ? null : nodes.get(id);
    }

    private void setUpNetwork(Effect e, String physnet) {
        setUpNetwork(e, physnet, null);
    }

    private void setUpNetwork(Effect e, String physnet, LastHop lastHop) {
        e.project.network = newNetwork(physnet, lastHop);
        e.project.group("default").published = true;
        e.touchNetwork(NodeRole.ROUTING);
        e.touchNetwork(NodeRole.ADDRESSING);
        e.project.network.serving().forEach(node -> e.touch(node, NodeRole.BRIDGING)); // each joins the L2 (ADR 0046)
    }

    private void createNetwork(CreateNetwork c, Effect e) {
        name(c.getPhysicalNetwork());
        check(c.getDnsServers().size() <= 3);
        c.getDnsServers().forEach(ReferenceModel::address);
        check(c.getDomain() != null && DOMAIN.matcher(c.getDomain()).matches());
        between(c.getLeaseSeconds(), 120, 604800);
        if (e.project.network != null) {
            throw refused(Reason.ALREADY_EXISTS);
        }
        setUpNetwork(e, c.getPhysicalNetwork());
        e.project.network.dnsServers = List.copyOf(c.getDnsServers());
        e.project.network.domain = c.getDomain();
        e.project.network.leaseSeconds = c.getLeaseSeconds();
        networkAllocation(e);
    }

    private static void networkAllocation(Effect e) {
        NetworkState n = e.project.network;
        e.put("vlan", n.vlan).put("cidr", n.cidr()).put("gateway", n.gateway()).put("bridge", "br" + n.vlan);
    }

    private void deleteNetwork(Effect e) {
        ProjectState p = e.project;
        if (p.network == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (!p.fixed.isEmpty() || p.vpn != null) {
            throw refused(Reason.IN_USE);
        }
        networkAllocation(e);
        NetworkState n = p.network;
        vlans.get(n.physnet).slots.taken[n.vlan - vlans.get(n.physnet).first] = false;
        supernet.slots.taken[(int) ((n.block - supernet.network) >> (32 - supernet.blockPrefix))] = false;
        if (observed == null) {
            // the task's last network of the physical network takes its slots back to the pools (ADR 0044)
            int left = taskNetworks.getOrDefault(n.physnet, 0) - 1;
            if (left > 0) {
                taskNetworks.put(n.physnet, left);
            } else {
                taskNetworks.remove(n.physnet);
                Deque<int[]> stock = taskSlots.remove(n.physnet);
                if (stock != null) {
                    stock.forEach(slot -> {
                        vlans.get(n.physnet).slots.taken[slot[0]] = false;
                        supernet.slots.taken[slot[1]] = false;
                    });
                }
            }
        }
        addLoad(n.routing, NodeRole.ROUTING, -1);
        addLoad(n.addressing, NodeRole.ADDRESSING, -1);
        addLoad(n.bridging, NodeRole.BRIDGING, -1);
        for (GroupState g : p.groups.values()) {
            g.slot = -1;
            g.addresses = null;
            g.reserved.clear(); // addresses of the subnet it no longer has
        }
        e.touchNetwork(NodeRole.ROUTING);
        e.touchNetwork(NodeRole.ADDRESSING);
        n.serving().forEach(node -> e.touch(node, NodeRole.BRIDGING));
        p.network = null;
    }

    // ================================================================ groups

    private void createGroup(CreateSecurityGroup c, Effect e) {
        String name = name(c.getName());
        check(c.getDescription() != null && c.getDescription().length() <= 255
                && c.getDescription().chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f));
        if (e.project.group(name) != null) {
            throw refused(Reason.ALREADY_EXISTS);
        }
        if (e.project.explicitGroups >= e.project.groupQuota) {
            throw refused(Reason.QUOTA_EXCEEDED);
        }
        GroupState group = new GroupState();
        group.published = true;
        group.description = c.getDescription();
        e.project.groups.put(name, group);
        e.project.explicitGroups++;
        e.put("group", name);
    }

    private void deleteGroup(DeleteSecurityGroup c, Effect e) {
        String name = name(c.getName());
        check(!name.equals("default"));
        ProjectState p = e.project;
        GroupState g = p.groups.get(name);
        if (g == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (g.instances > 0) {
            throw refused(Reason.IN_USE);
        }
        for (Map.Entry<String, GroupState> other : p.groups.entrySet()) {
            if (!other.getKey().equals(name) && other.getValue().rules.stream().anyMatch(r -> r.names(name))) {
                throw refused(Reason.IN_USE);
            }
        }
        if (g.slot >= 0) {
            long until = e.now;
            for (long[] hold : g.addresses.holds) {
                until = Math.max(until, hold[1]);
            }
            p.network.groupSlots.hold(g.slot, until);
            e.touchNetwork(NodeRole.ROUTING);
        }
        p.groups.remove(name);
        p.explicitGroups--;
        e.put("group", name);
    }

    private RuleState rule(AddRule c) {
        Protocol protocol = c.getProtocol();
        Integer from = null;
        Integer to = null;
        Integer type = null;
        Integer code = null;
        if (protocol == Protocol.TCP || protocol == Protocol.UDP) {
            from = between(c.getFromPort(), 1, 65535);
            to = between(c.getToPort(), 1, 65535);
            check(from <= to && c.getIcmpType() == null && c.getIcmpCode() == null);
        } else if (protocol == Protocol.ICMP) {
            check(c.getFromPort() == null && c.getToPort() == null);
            if (c.getIcmpType() != null) {
                type = between(c.getIcmpType(), -1, 255);
            }
            if (c.getIcmpCode() != null) {
                check(c.getIcmpType() != null && c.getIcmpType() >= 0);
                code = between(c.getIcmpCode(), -1, 255);
            }
        } else {
            check(c.getFromPort() == null && c.getToPort() == null && c.getIcmpType() == null && c.getIcmpCode() == null);
        }
        // one remote end: the source of an ingress rule, the destination of an egress rule; the other end's fields empty
        boolean egress = c.getDirection() == Direction.EGRESS;
        String remoteCidr = egress ? c.getDestinationCidr() : c.getSourceCidr();
        String remoteGroup = egress ? c.getDestinationGroup() : c.getSourceGroup();
        check((egress ? c.getSourceCidr() : c.getDestinationCidr()) == null
                && (egress ? c.getSourceGroup() : c.getDestinationGroup()) == null);
        check((remoteCidr == null) != (remoteGroup == null));
        if (remoteCidr != null) {
            cidr(remoteCidr);
        } else {
            name(remoteGroup);
        }
        return egress ? new RuleState(null, protocol, from, to, type, code, null, null, Direction.EGRESS, remoteCidr, remoteGroup, null)
                : new RuleState(null, protocol, from, to, type, code, remoteCidr, remoteGroup, Direction.INGRESS, null, null, null);
    }

    private void addRule(AddRule c, Effect e) {
        String name = name(c.getGroup());
        RuleState rule = rule(c);
        ProjectState p = e.project;
        GroupState g = p.group(name);
        if (g == null || (rule.sourceGroup() != null && p.group(rule.sourceGroup()) == null)
                || (rule.destinationGroup() != null && p.group(rule.destinationGroup()) == null)) {
            throw refused(Reason.NOT_FOUND);
        }
        if (g.rules.stream().anyMatch(r -> r.sameAs(rule))) {
            throw refused(Reason.ALREADY_EXISTS);
        }
        if (g.rules.size() >= p.ruleQuota) {
            throw refused(Reason.QUOTA_EXCEEDED);
        }
        String id = "r" + g.nextRule++;
        g.rules.add(rule.added(id, e.requestId));
        g.published = true;
        if (g.slot >= 0) {
            e.touchNetwork(NodeRole.ROUTING);
            touchGroupHosts(p, name, e);
        }
        e.put("group", name).put("ruleId", id);
    }

    private void removeRule(RemoveRule c, Effect e) {
        String name = name(c.getGroup());
        check(c.getRuleId() != null && RULE_ID.matcher(c.getRuleId()).matches());
        GroupState g = e.project.group(name);
        if (g == null || !g.rules.removeIf(r -> r.id().equals(c.getRuleId()))) {
            throw refused(Reason.NOT_FOUND);
        }
        g.published = true;
        if (g.slot >= 0) {
            e.touchNetwork(NodeRole.ROUTING);
            touchGroupHosts(e.project, name, e);
        }
        e.put("group", name).put("ruleId", c.getRuleId());
    }

    // ================================================================ fixed IPs

    private void allocateFixed(AllocateFixedIp c, Effect e) {
        String instance = name(c.getInstance());
        String groupName = name(c.getGroup());
        String mac = c.getMac() == null ? null : mac(c.getMac());
        check(c.getHostname() == null || LABEL.matcher(c.getHostname()).matches());
        String host = c.getHost() == null ? null : name(c.getHost());
        ProjectState p = e.project;
        if (p.group(groupName) == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (p.fixed.containsKey(instance)) {
            throw refused(Reason.ALREADY_EXISTS);
        }
        if (p.fixedQuota >= 0 && p.fixed.size() >= p.fixedQuota) {
            throw refused(Reason.QUOTA_EXCEEDED);
        }
        if (mac != null && p.fixed.values().stream().anyMatch(f -> f.mac.equals(mac))) {
            throw refused(Reason.IN_USE);
        }
        FloatingPool autoPool = p.autoAssignPool == null ? null : floatingPools.get(p.autoAssignPool);
        if (autoPool != null && p.floating.size() >= p.floatingQuota) {
            throw refused(Reason.QUOTA_EXCEEDED);
        }
        // from the project's stock of the pool when it has one (ADR 0039); else the claim's last hop, after the network's
        // VLAN, block and nodes, which brings a stock with the address
        boolean fromStock = autoPool != null && observed == null && p.stock.containsKey(p.autoAssignPool);
        int[] floatingIndex = {-1};
        List<String> hopStock = new ArrayList<>();
        Runnable floatingHop = autoPool == null || fromStock ? null : () -> {
            floatingIndex[0] = takeFloating(autoPool, "floatingAddress");
            if (observed == null) {
                hopStock.addAll(takeStock(autoPool, Math.max(0, Math.min(stockSize, p.floatingQuota - p.floating.size() - 1))));
            }
        };
        // the host's check comes after the network's hops and before the floating pool's
        boolean bind = host != null && (p.network == null || !p.network.portHosts().contains(host));
        LastHop lastHops = !bind && floatingHop == null ? null : (physnet, vlan, networkHost) -> {
            if (bind) {
                bindHost(host, physnet, vlan, networkHost);
            }
            if (floatingHop != null) {
                floatingHop.run();
            }
        };
        if (p.network == null) {
            setUpNetwork(e, "physnet1", lastHops);
        } else if (lastHops != null) {
            lastHops.run(p.network.physnet, p.network.vlan, p.network.bridging);
        }
        try {
            allocateFixed(instance, groupName, mac, c.getHostname(), host, e);
        } catch (Refused r) {
            if (floatingIndex[0] >= 0) {
                autoPool.slots.taken[floatingIndex[0]] = false; // given back; the pool's next-fit cursor stays past it
                hopStock.forEach(a -> freeFloating(a, p.autoAssignPool));
            }
            throw r;
        }
        if (fromStock) {
            Deque<String> stocked = p.stock.get(p.autoAssignPool);
            String address = stocked.pollFirst();
            this.fromStock++;
            if (stocked.isEmpty()) {
                p.stock.remove(p.autoAssignPool);
            }
            autoAssign(p.autoAssignPool, address, p.fixed.get(instance), e);
            int have = stocked.size();
            int wanted = wantedStock(p);
            if (have < stockLow && have < wanted) {
                refill(p, p.autoAssignPool, autoPool, wanted - have);
            }
        } else if (autoPool != null) {
            autoAssign(p.autoAssignPool, ip(autoPool.addresses.get(floatingIndex[0])), p.fixed.get(instance), e);
            addStock(p, p.autoAssignPool, hopStock);
        }
    }

    /** The pool stage's BindHost (ADR 0035): a registered BRIDGING node that can carry the network, with underlays off the network host. */
    private void bindHost(String host, String physnet, int vlan, String networkHostId) {
        followPoolRefusal();
        NodeState node = nodes.get(host);
        if (node == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (!node.roles.contains(NodeRole.BRIDGING)) {
            throw refused(Reason.NO_NODE);
        }
        if (!node.serves(physnet) || !canCarry(node, NodeRole.BRIDGING, physnet, vlan)) {
            throw refused(Reason.CONFLICT);
        }
        NodeState networkHost = nodes.get(networkHostId);
        if (!host.equals(networkHostId) && (node.underlay == null || networkHost == null || networkHost.underlay == null)) {
            throw refused(Reason.NOT_CONFIGURED);
        }
    }

    /** Touches what the controller's Hosts rewrites: the bridges of every serving node, before and after, when that set changed. */
    private static void touchBridges(java.util.SortedSet<String> before, NetworkState n, Effect e) {
        java.util.SortedSet<String> after = n.serving();
        if (!after.equals(before)) {
            before.forEach(node -> e.touch(node, NodeRole.BRIDGING));
            after.forEach(node -> e.touch(node, NodeRole.BRIDGING));
        }
    }

    private static void countHost(NetworkState n, FixedState f, int delta) {
        if (f.host != null) {
            int now = n.hosts.getOrDefault(f.host, 0) + delta;
            if (now > 0) {
                n.hosts.put(f.host, now);
            } else {
                n.hosts.remove(f.host);
            }
        }
    }

    /** The hosts of a group's members: each carries the group's filter. */
    private static void touchGroupHosts(ProjectState p, String group, Effect e) {
        p.fixed.values().stream().filter(f -> f.group.equals(group)).forEach(f -> e.touch(p.network.hostOf(f), NodeRole.BRIDGING));
    }

    private void moveInstance(io.factnet.model.MoveInstance c, Effect e) {
        String instance = name(c.getInstance());
        String host = name(c.getHost());
        ProjectState p = e.project;
        FixedState f = p.fixed.get(instance);
        if (f == null) {
            throw refused(Reason.NOT_FOUND);
        }
        NetworkState n = p.network;
        e.put("instance", instance).put("address", ip(f.address)).put("nodeId", host);
        String from = n.hostOf(f);
        if (host.equals(from)) {
            return;
        }
        if (!n.portHosts().contains(host)) {
            bindHost(host, n.physnet, n.vlan, n.bridging);
        }
        java.util.SortedSet<String> before = n.serving();
        countHost(n, f, -1);
        e.touch(from, NodeRole.BRIDGING);
        touchBridges(before, n, e);
        java.util.SortedSet<String> between = n.serving();
        f.host = host;
        countHost(n, f, +1);
        e.touch(host, NodeRole.BRIDGING);
        touchBridges(between, n, e);
    }

    private void allocateFixed(String instance, String groupName, String mac, String givenHostname, String host, Effect e) {
        ProjectState p = e.project;
        NetworkState n = p.network;
        GroupState g = p.group(groupName);
        if (g.slot < 0) {
            carve(n, g, n.groupSlots, e.now, e);
        }
        int index = g.addresses.take(e.now);
        if (index < 0) {
            throw refused(Reason.POOL_EXHAUSTED);
        }
        FixedState f = new FixedState();
        f.instance = instance;
        f.group = groupName;
        f.address = g.subnet + index;
        String chosen = mac;
        while (chosen == null) {
            p.macCounter++;
            long m = p.macCounter % (1 << 24);
            String candidate = String.format("fa:16:3e:%02x:%02x:%02x", m >> 16, (m >> 8) & 255, m & 255);
            if (p.fixed.values().stream().noneMatch(x -> x.mac.equals(candidate))) {
                chosen = candidate;
            }
        }
        f.mac = chosen;
        String hostname = givenHostname != null ? givenHostname
                : LABEL.matcher(instance).matches() ? instance : "host-" + ip(f.address).replace('.', '-');
        f.hostname = hostname;
        f.host = host;
        java.util.SortedSet<String> before = n.serving();
        p.fixed.put(instance, f);
        countHost(n, f, +1);
        g.instances++;
        e.touchNetwork(NodeRole.ADDRESSING);
        e.touch(n.hostOf(f), NodeRole.BRIDGING); // the port its host watches and guards
        touchBridges(before, n, e);
        e.put("address", ip(f.address)).put("mac", f.mac).put("hostname", hostname).put("instance", instance)
                .put("group", groupName).put("cidr", ip(g.subnet) + "/" + n.groupPrefix).put("gateway", n.gateway())
                .put("vlan", n.vlan);
    }

    /** The pool's next address (or the one the controller gave, under {@code field}); POOL_EXHAUSTED when none is free. */
    private int takeFloating(FloatingPool pool, String field) {
        followPoolRefusal();
        int index = observed == null ? pool.slots.take() : takeObserved(pool.slots,
                pool.addresses.indexOf(address((String) observed.allocated().get(field))),
                "floating IP " + observed.allocated().get(field));
        if (index < 0) {
            throw refused(Reason.POOL_EXHAUSTED);
        }
        return index;
    }

    /** The fixed IP's floating IP under auto-assign, taken by the claim's last hop: associated at once. */
    private void autoAssign(String poolName, String address, FixedState fixed, Effect e) {
        FloatingState floating = new FloatingState();
        floating.pool = poolName;
        floating.instance = fixed.instance;
        floating.fixedAddress = fixed.address;
        floating.autoAssigned = true;
        e.project.floating.put(address, floating);
        e.touchNetwork(NodeRole.ROUTING);
        e.put("floatingAddress", address).put("pool", poolName);
    }

    private void setAutoAssign(SetAutoAssignFloatingIp c, Effect e) {
        if (c.getPool() == null) {
            e.project.autoAssignPool = null;
            return;
        }
        String pool = name(c.getPool());
        if (!floatingPools.containsKey(pool)) {
            throw refused(Reason.NOT_FOUND);
        }
        e.project.autoAssignPool = pool;
        e.put("pool", pool);
    }

    /** The floating IP goes back to its pool. */
    private void freeFloating(String address, String poolName) {
        FloatingPool pool = floatingPools.get(poolName);
        pool.slots.taken[pool.addresses.indexOf(address(address))] = false;
    }

    /** The group's subnet: the next group slot of the block (taken from {@code slots}), its own address pool. */
    private static void carve(NetworkState n, GroupState g, Slots slots, long now, Effect e) {
        int slot = slots.take(now);
        if (slot < 0) {
            throw refused(Reason.POOL_EXHAUSTED);
        }
        g.slot = slot;
        g.subnet = n.block + ((long) slot << (32 - n.groupPrefix));
        int size = 1 << (32 - n.groupPrefix);
        g.addresses = new Slots(size);
        g.addresses.taken[0] = true;
        g.addresses.taken[size - 1] = true;
        long gateway = n.block + 1;
        if (gateway >= g.subnet && gateway < g.subnet + size) {
            g.addresses.taken[(int) (gateway - g.subnet)] = true;
        }
        long dhcp = n.dhcpAddress(); // kept free for the addressing node (ADR 0046)
        if (dhcp >= g.subnet && dhcp < g.subnet + size) {
            g.addresses.taken[(int) (dhcp - g.subnet)] = true;
        }
        if (e != null) {
            e.touchNetwork(NodeRole.ROUTING);
            // the groups whose rules name this one get its subnet: their members' hosts too
            String name = e.project.groups.entrySet().stream().filter(x -> x.getValue() == g).map(Map.Entry::getKey).findFirst().orElse(null);
            e.project.groups.forEach((other, state) -> {
                if (!other.equals(name) && state.slot >= 0 && state.rules.stream().anyMatch(r -> r.names(name))) {
                    touchGroupHosts(e.project, other, e);
                }
            });
        }
    }

    /** ReservationHandlers.Reserve: every check before any change (a refusal changes nothing, as the controller's rollback). */
    private void reserve(io.factnet.model.ReserveFixedAddress c, Effect e) {
        String groupName = name(c.getGroup());
        long address = address(c.getAddress());
        check(c.getDescription() != null && c.getDescription().length() <= 255
                && c.getDescription().chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f));
        ProjectState p = e.project;
        GroupState g = p.group(groupName);
        if (g == null) {
            throw refused(Reason.NOT_FOUND);
        }
        GroupState carved = g;
        Slots slots = null;
        if (g.slot < 0) {
            if (p.network == null) {
                throw refused(Reason.NOT_FOUND);
            }
            carved = new GroupState();
            slots = p.network.groupSlots.copy();
            carve(p.network, carved, slots, e.now, null);
        }
        int size = 1 << (32 - p.network.groupPrefix);
        if (address < carved.subnet || address >= carved.subnet + size) {
            throw refused(Reason.INVALID_ARGUMENT);
        }
        if (g.reserved.containsKey(address)) {
            throw refused(Reason.ALREADY_EXISTS);
        }
        if (g.reserved.size() >= 256) {
            throw refused(Reason.QUOTA_EXCEEDED);
        }
        int index = (int) (address - carved.subnet);
        if (index == 0 || index == size - 1 || address == p.network.block + 1 || address == p.network.dhcpAddress()) {
            throw refused(Reason.INVALID_ARGUMENT);
        }
        if (p.fixedAt(address) != null) {
            throw refused(Reason.IN_USE);
        }
        Slots pool = carved.addresses.copy();
        pool.expire(e.now);
        if (pool.taken[index]) {
            throw refused(Reason.IN_USE);
        }
        if (slots != null) {
            carve(p.network, g, p.network.groupSlots, e.now, e);
        }
        g.addresses.expire(e.now);
        g.addresses.taken[index] = true;
        g.reserved.put(address, c.getDescription());
        g.published = true;
        e.put("address", ip(address)).put("group", groupName).put("cidr", ip(g.subnet) + "/" + p.network.groupPrefix);
    }

    /**
     * SetInstanceMetadata (docs/commands.md, ADR 0033): the shape of everything first, then the instance's fixed IP. The
     * metadata fact itself is not modelled (no node renders it; InstanceMetadataCommandsTest checks it).
     */
    private void setMetadata(io.factnet.model.SetInstanceMetadata c, Effect e) {
        String instance = name(c.getInstance());
        check(c.getSshKeys().size() <= 16);
        Set<String> seen = new HashSet<>();
        for (String key : c.getSshKeys()) {
            check(sshKey(key.strip()) && seen.add(key.strip()));
        }
        check(c.getUserData().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 65535);
        check(c.getMeta().size() <= 128);
        c.getMeta().forEach((key, value) -> check(!key.isEmpty() && key.length() <= 255 && printable(key)
                && value.length() <= 255 && printable(value)));
        FixedState f = e.project.fixed.get(instance);
        if (f == null) {
            throw refused(Reason.NOT_FOUND);
        }
        e.put("address", ip(f.address)).put("instance", instance);
    }

    private static final Set<String> SSH_KEY_TYPES = Set.of("ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");

    private static boolean printable(String text) {
        return text.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f);
    }

    /** One OpenSSH public key line: a known type, base64 whose blob starts with that type as an SSH string, a comment. */
    private static boolean sshKey(String key) {
        if (key.length() > 16 * 1024 || !printable(key)) {
            return false;
        }
        String[] parts = key.split(" ", 3);
        if (parts.length < 2 || !SSH_KEY_TYPES.contains(parts[0]) || !parts[1].matches("[A-Za-z0-9+/]+={0,2}")) {
            return false;
        }
        byte[] blob;
        try {
            blob = java.util.Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException x) {
            return false;
        }
        byte[] type = parts[0].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (blob.length < 8 + type.length) {
            return false;
        }
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(blob);
        byte[] found = new byte[type.length];
        if (buffer.getInt() != type.length) {
            return false;
        }
        buffer.get(found);
        return java.util.Arrays.equals(found, type);
    }

    private void unreserve(io.factnet.model.UnreserveFixedAddress c, Effect e) {
        String groupName = name(c.getGroup());
        long address = address(c.getAddress());
        GroupState g = e.project.group(groupName);
        if (g == null || !g.reserved.containsKey(address)) {
            throw refused(Reason.NOT_FOUND);
        }
        g.reserved.remove(address);
        g.addresses.taken[(int) (address - g.subnet)] = false;
        g.published = true;
        e.put("address", ip(address)).put("group", groupName);
    }

    /** The reserved addresses of a group (the generator unreserves them). */
    public List<String> reservedAddresses(String project, String group) {
        GroupState g = project(project).groups.get(group);
        return g == null ? List.of() : g.reserved.keySet().stream().map(ReferenceModel::ip).toList();
    }

    /** A group's subnet as network address and size, or null before it has one. */
    public long[] groupSubnet(String project, String group) {
        GroupState g = project(project).groups.get(group);
        ProjectState p = project(project);
        return g == null || g.slot < 0 || p.network == null ? null : new long[] {g.subnet, 1L << (32 - p.network.groupPrefix)};
    }

    private void releaseFixed(String instance, Effect e) {
        ProjectState p = e.project;
        FixedState f = p.fixed.remove(instance);
        if (f == null) {
            throw refused(Reason.NOT_FOUND);
        }
        GroupState g = p.group(f.group);
        g.addresses.hold((int) (f.address - g.subnet), e.now + holdDownMillis);
        g.instances--;
        String floating = p.floatingOf(f.address);
        if (floating != null && p.floating.get(floating).autoAssigned) {
            releasedFloating(p, floating, p.floating.remove(floating));
            e.touchNetwork(NodeRole.ROUTING);
        } else if (floating != null) {
            p.floating.get(floating).fixedAddress = null;
            p.floating.get(floating).instance = null;
            e.touchNetwork(NodeRole.ROUTING);
        }
        java.util.SortedSet<String> before = p.network.serving();
        countHost(p.network, f, -1);
        e.touchNetwork(NodeRole.ADDRESSING);
        e.touch(p.network.hostOf(f), NodeRole.BRIDGING);
        touchBridges(before, p.network, e);
        e.put("address", ip(f.address)).put("instance", instance);
    }

    /**
     * A report of the bridging node (docs/commands.md, InstanceGone / InstanceBack): the node must be named and be the
     * network's bridging node (checked before the instance is looked up), the instance must have a fixed IP.
     */
    private FixedState reported(String node, String instance, Effect e) {
        check(node != null);
        name(node);
        name(instance);
        NetworkState n = e.project.network;
        if (n == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (!n.serving().contains(node)) {
            throw refused(Reason.UNAUTHORIZED);
        }
        FixedState f = e.project.fixed.get(instance);
        if (f == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (!node.equals(n.hostOf(f))) {
            throw refused(Reason.UNAUTHORIZED);
        }
        return f;
    }

    private void gone(InstanceGone c, Effect e) {
        FixedState f = reported(c.getNodeId(), c.getInstance(), e);
        if (releaseGoneAfterMillis == 0) {
            releaseFixed(f.instance, e);
            return;
        }
        if (f.downSince == null) {
            f.downSince = e.now;
        }
        e.put("address", ip(f.address)).put("instance", f.instance);
    }

    private void back(InstanceBack c, Effect e) {
        FixedState f = reported(c.getNodeId(), c.getInstance(), e);
        f.downSince = null;
        e.put("address", ip(f.address)).put("instance", f.instance);
    }

    private void lease(String node, String address, String mac, boolean leased, Effect e) {
        name(node);
        long at = address(address);
        String normalized = mac(mac);
        FixedState f = e.project.fixedAt(at);
        if (f == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (!f.mac.equals(normalized)) {
            throw refused(Reason.CONFLICT);
        }
        f.leased = leased;
        if (leased) {
            f.downSince = null; // an instance that asks for its lease is up
        }
        e.put("address", address).put("mac", f.mac).put("instance", f.instance);
    }

    // ================================================================ floating IPs

    private FloatingState ownedFloating(String address, Effect e) {
        address(address);
        FloatingState f = e.project.floating.get(address);
        if (f == null) {
            throw refused(Reason.NOT_FOUND);
        }
        return f;
    }

    private void allocateFloating(AllocateFloatingIp c, Effect e) {
        String name = name(c.getPool());
        ProjectState p = e.project;
        if (p.floating.size() >= p.floatingQuota) {
            throw refused(Reason.QUOTA_EXCEEDED);
        }
        FloatingPool pool = floatingPools.get(name);
        if (pool == null) {
            throw refused(Reason.NOT_FOUND);
        }
        Deque<String> stocked = observed == null ? p.stock.get(name) : null;
        if (stocked != null && !stocked.isEmpty()) {
            // from the project's stock, in one hop; below the low watermark a refill follows (ADR 0039)
            String address = stocked.pollFirst();
            fromStock++;
            if (stocked.isEmpty()) {
                p.stock.remove(name);
            }
            FloatingState f = new FloatingState();
            f.pool = name;
            p.floating.put(address, f);
            e.put("address", address).put("pool", name);
            int have = stocked.size();
            int wanted = wantedStock(p);
            if (have < stockLow && have < wanted) {
                refill(p, name, pool, wanted - have);
            }
            return;
        }
        int index = takeFloating(pool, "address");
        String address = ip(pool.addresses.get(index));
        FloatingState f = new FloatingState();
        f.pool = name;
        p.floating.put(address, f);
        e.put("address", address).put("pool", name);
        if (observed == null) {
            addStock(p, name, takeStock(pool, wantedStock(p))); // the grant's stock
        }
    }

    /** Floating IPs given from a project's stock so far. */
    public int fromStock() {
        return fromStock;
    }

    /** Stock refill claims so far, whether their grant brought addresses or not. */
    public int refillClaims() {
        return refillClaims;
    }

    /** Stock refills that brought addresses so far. */
    public int refills() {
        return refills;
    }

    /** The stock a project fills to: the stock size, but no more than its floating quota leaves room for. */
    private int wantedStock(ProjectState p) {
        return Math.max(0, Math.min(stockSize, p.floatingQuota - p.floating.size()));
    }

    /** The pool's next free addresses for a stock, while half of the pool stays free (ADR 0039). */
    private static List<String> takeStock(FloatingPool pool, int count) {
        List<String> taken = new ArrayList<>();
        int reserve = (pool.slots.taken.length - pool.reserved) / 2;
        int free = pool.slots.taken.length - pool.slots.used();
        while (taken.size() < count && free > reserve) {
            taken.add(ip(pool.addresses.get(pool.slots.take())));
            free--;
        }
        return taken;
    }

    /** A refill claim's grant, which the controller's pool stage answers before the project's next request here. */
    private void refill(ProjectState p, String poolName, FloatingPool pool, int count) {
        List<String> taken = takeStock(pool, count);
        refillClaims++;
        refills += taken.isEmpty() ? 0 : 1;
        addStock(p, poolName, taken);
    }

    private void addStock(ProjectState p, String poolName, List<String> addresses) {
        for (String address : addresses) {
            Deque<String> stock = p.stock.getOrDefault(poolName, new ArrayDeque<>());
            if (stock.size() < stockSize && !p.floating.isEmpty()) {
                stock.addLast(address);
                p.stock.put(poolName, stock);
            } else {
                freeFloating(address, poolName);
            }
        }
    }

    /**
     * A floating IP the project gave up (removed already): into its pool's stock while that has room, else back to the
     * pool; the project's last floating IP takes every stock back with it (ADR 0039).
     */
    private void releasedFloating(ProjectState p, String address, FloatingState floating) {
        if (observed != null) {
            freeFloating(address, floating.pool);
            return;
        }
        if (p.floating.isEmpty()) {
            freeFloating(address, floating.pool);
            p.stock.forEach((pool, stock) -> stock.forEach(a -> freeFloating(a, pool)));
            p.stock.clear();
            return;
        }
        Deque<String> stock = p.stock.getOrDefault(floating.pool, new ArrayDeque<>());
        if (stock.size() < stockSize) {
            stock.addLast(address);
            p.stock.put(floating.pool, stock);
        } else {
            freeFloating(address, floating.pool);
        }
    }

    private void releaseFloating(ReleaseFloatingIp c, Effect e) {
        FloatingState f = ownedFloating(c.getAddress(), e);
        if (f.autoAssigned) {
            throw refused(Reason.CONFLICT);
        }
        if (f.fixedAddress != null) {
            throw refused(Reason.IN_USE);
        }
        e.project.floating.remove(c.getAddress());
        releasedFloating(e.project, c.getAddress(), f);
        e.put("address", c.getAddress()).put("pool", f.pool);
    }

    private void associate(AssociateFloatingIp c, Effect e) {
        address(c.getAddress());
        String instance = name(c.getInstance());
        FloatingState f = ownedFloating(c.getAddress(), e);
        FixedState fixed = e.project.fixed.get(instance);
        if (fixed == null) {
            throw refused(Reason.NOT_FOUND);
        }
        e.put("address", c.getAddress()).put("instance", instance).put("pool", f.pool);
        if (Objects.equals(f.fixedAddress, fixed.address)) {
            return;
        }
        if (f.autoAssigned) {
            throw refused(Reason.CONFLICT);
        }
        if (e.project.floatingOf(fixed.address) != null) {
            throw refused(Reason.IN_USE);
        }
        f.fixedAddress = fixed.address;
        f.instance = instance;
        e.touchNetwork(NodeRole.ROUTING);
    }

    private void disassociate(DisassociateFloatingIp c, Effect e) {
        FloatingState f = ownedFloating(c.getAddress(), e);
        if (f.autoAssigned || f.fixedAddress == null) {
            throw refused(Reason.CONFLICT);
        }
        e.put("address", c.getAddress()).put("instance", f.instance);
        f.fixedAddress = null;
        f.instance = null;
        e.touchNetwork(NodeRole.ROUTING);
    }

    // ================================================================ VPNs

    private void createVpn(Effect e) {
        ProjectState p = e.project;
        if (p.network == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (p.vpn != null) {
            throw refused(Reason.ALREADY_EXISTS);
        }
        followPoolRefusal();
        String physnet = p.network.physnet;
        int vlan = p.network.vlan;
        if (leastLoaded(NodeRole.TUNNELING, false, physnet, vlan) == null) {
            throw noneFits(NodeRole.TUNNELING, physnet);
        }
        // The pool stage's choice: the network's routing node (the gateway's, ADR 0046) when it tunnels, can carry it and has
        // a free port (ADR 0018), else the least loaded that can; taken from the result when the model is given one (shared pools, ADR 0015).
        NodeState bridging = nodes.get(p.network.routing);
        NodeState node = observed == null
                ? (bridging != null && bridging.roles.contains(NodeRole.TUNNELING) && !bridging.ports.full()
                        && canCarry(bridging, NodeRole.TUNNELING, physnet, vlan)
                        ? bridging : leastLoaded(NodeRole.TUNNELING, true, physnet, vlan))
                : observed.allocated().get("nodeId") instanceof String id ? nodes.get(id) : null;
        if (node == null) {
            throw refused(Reason.POOL_EXHAUSTED);
        }
        VpnState vpn = new VpnState();
        vpn.node = node.id;
        vpn.publicAddress = node.publicAddress;
        vpn.port = node.portFirst + (observed == null ? node.ports.take()
                : takeObserved(node.ports, observedInt("port") - node.portFirst, "VPN port " + node.id + ":" + observed.allocated().get("port")));
        addLoad(node.id, NodeRole.TUNNELING, 1);
        int size = 1 << (32 - p.network.groupPrefix);
        vpn.peerSlots = new Slots(size);
        vpn.peerSlots.taken[0] = true;
        vpn.peerSlots.taken[1] = true;
        vpn.peerSlots.taken[size - 1] = true;
        p.vpn = vpn;
        p.network.tunneling = node.id;
        e.touch(node.id, NodeRole.TUNNELING);
        e.touchNetwork(NodeRole.ROUTING);
        e.put("nodeId", node.id).put("port", vpn.port).put("address", ip(p.network.vpnSubnet() + 1))
                .put("cidr", ip(p.network.vpnSubnet()) + "/" + p.network.groupPrefix);
    }

    private void deleteVpn(Effect e) {
        ProjectState p = e.project;
        if (p.vpn == null) {
            throw refused(Reason.NOT_FOUND);
        }
        NodeState node = nodes.get(p.vpn.node);
        node.ports.taken[p.vpn.port - node.portFirst] = false;
        addLoad(node.id, NodeRole.TUNNELING, -1);
        e.touch(p.vpn.node, NodeRole.TUNNELING);
        e.touchNetwork(NodeRole.ROUTING);
        e.put("nodeId", p.vpn.node).put("port", p.vpn.port);
        p.vpn = null;
        p.network.tunneling = null;
    }

    private void addPeer(AddVpnPeer c, Effect e) {
        check(c.getPublicKey() != null && validKey(c.getPublicKey()));
        VpnState vpn = e.project.vpn;
        if (vpn == null) {
            throw refused(Reason.NOT_FOUND);
        }
        if (vpn.peers.containsKey(c.getPublicKey())) {
            throw refused(Reason.ALREADY_EXISTS);
        }
        int index = vpn.peerSlots.take();
        if (index < 0) {
            throw refused(Reason.POOL_EXHAUSTED);
        }
        long address = e.project.network.vpnSubnet() + index;
        vpn.peers.put(c.getPublicKey(), address);
        e.touch(vpn.node, NodeRole.TUNNELING);
        e.put("address", ip(address)).put("nodeId", vpn.node).put("port", vpn.port);
    }

    private void removePeer(RemoveVpnPeer c, Effect e) {
        check(c.getPublicKey() != null && validKey(c.getPublicKey()));
        VpnState vpn = e.project.vpn;
        Long address = vpn == null ? null : vpn.peers.remove(c.getPublicKey());
        if (address == null) {
            throw refused(Reason.NOT_FOUND);
        }
        vpn.peerSlots.taken[(int) (address - e.project.network.vpnSubnet())] = false;
        e.touch(vpn.node, NodeRole.TUNNELING);
        e.put("address", ip(address));
    }

    // ================================================================ what a generator may look at

    /** The facts the controller must have published by now on its state topics. */
    public ModelFacts facts() {
        return ModelFacts.of(projects, nodes);
    }

    public Set<String> projects() {
        return Collections.unmodifiableSet(projects.keySet());
    }

    private ProjectState project(String project) {
        return projects.getOrDefault(project, new ProjectState());
    }

    public boolean hasNetwork(String project) {
        return project(project).network != null;
    }

    public boolean hasVpn(String project) {
        return project(project).vpn != null;
    }

    /** The node of the project's network's bridging role, or null. */
    public String bridgingNode(String project) {
        NetworkState n = project(project).network;
        return n == null ? null : n.bridging;
    }

    /** The node an instance's port is on (its host, else the network host); the network host for an unknown instance. */
    public String hostOf(String project, String instance) {
        ProjectState p = project(project);
        if (p.network == null) {
            return null;
        }
        FixedState f = instance == null ? null : p.fixed.get(instance);
        return f == null ? p.network.bridging : p.network.hostOf(f);
    }

    public List<String> instances(String project) {
        return List.copyOf(project(project).fixed.keySet());
    }

    /** instance -> {address, mac} of the project's fixed IPs. */
    public Map<String, List<String>> fixedIps(String project) {
        Map<String, List<String>> result = new TreeMap<>();
        project(project).fixed.forEach((instance, f) -> result.put(instance, List.of(ip(f.address), f.mac)));
        return result;
    }

    public List<String> floatingIps(String project) {
        return List.copyOf(project(project).floating.keySet());
    }

    public List<String> groups(String project) {
        return List.copyOf(project(project).groups.keySet());
    }

    public List<String> ruleIds(String project, String group) {
        GroupState g = project(project).groups.get(group);
        return g == null ? List.of() : g.rules.stream().map(RuleState::id).toList();
    }

    public List<String> vpnPeers(String project) {
        VpnState vpn = project(project).vpn;
        return vpn == null ? List.of() : List.copyOf(vpn.peers.keySet());
    }

    public List<String> nodeIds() {
        return List.copyOf(nodes.keySet());
    }

    public int floatingQuota(String project) {
        return project(project).floatingQuota;
    }

    public int groupQuota(String project) {
        return project(project).groupQuota;
    }

    public int ruleQuota(String project) {
        return project(project).ruleQuota;
    }

    public int fixedQuota(String project) {
        return project(project).fixedQuota;
    }
}
