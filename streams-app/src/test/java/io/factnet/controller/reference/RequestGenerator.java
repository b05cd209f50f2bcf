package io.factnet.controller.reference;

import io.factnet.model.AddRule;
import io.factnet.model.Direction;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
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
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.RegisterNode;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.RemoveRule;
import io.factnet.model.RemoveVpnPeer;
import io.factnet.model.Request;
import io.factnet.model.SetProjectQuota;
import io.factnet.topics.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random requests from a seed: mostly plausible ones (picking existing instances, addresses and groups
 * from the reference model), some invalid, some on the wrong topic or with the wrong key, and some
 * repeats of earlier request ids. Pools are small, so that exhaustion, quotas and hold-downs happen.
 */
public final class RequestGenerator {

    /** One record to send: topic, key, value, timestamp. */
    public record Step(String topic, String key, Request request, long timestamp) {
    }

    static final String ADMIN = ReferenceModel.ADMIN_PROJECT;
    static final List<String> PROJECTS = List.of("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7");
    static final List<String> INSTANCES = List.of("vm0", "vm1", "vm2", "vm3", "vm4", "vm5", "vm6", "vm7", "vm_8", "vm9");
    static final List<String> GROUPS = List.of("default", "web", "db", "ops", "cache");
    static final List<String> MACS = List.of("02:00:00:00:00:01", "02:00:00:00:00:02", "fa:16:3e:00:00:03", "01:00:00:00:00:01");
    static final List<String> KEYS;
    static final Map<String, String> ADDRESSES = Map.of("r1", "192.0.2.1", "r2", "192.0.2.2", "a1", "192.0.2.3",
            "b1", "192.0.2.4", "t1", "192.0.2.5", "t2", "192.0.2.6");

    static {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] bytes = new byte[32];
            bytes[0] = (byte) (i + 1);
            bytes[31] = (byte) (7 * i);
            keys.add(Base64.getEncoder().encodeToString(bytes));
        }
        KEYS = List.copyOf(keys);
    }

    private final Random random;
    private final ReferenceModel model;
    private final List<Step> sent = new ArrayList<>();
    private long clock;
    private long ids;

    public RequestGenerator(long seed, ReferenceModel model, long startMillis) {
        this.random = new Random(seed);
        this.model = model;
        this.clock = startMillis;
    }

    /** The pools and nodes every run starts with. */
    public List<Step> setup() {
        List<Step> steps = new ArrayList<>();
        steps.add(project("p7", AllocateFixedIp.newBuilder().setInstance("early").build())); // nothing is defined yet
        steps.add(admin(ADMIN, DefineVlanRange.newBuilder().setFirst(100).setLast(105).build()));
        // a second physical network with the same VLAN ids: its networks may not meet physnet1's on one node (issue 16)
        steps.add(admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork("physnet2").setFirst(100).setLast(105).build()));
        // a third, wide one and 32 blocks: big enough for network slots and their refills (ADR 0044: slots come from the
        // first half of a pool); physnet1 and physnet2 stay small, so that their VLANs run out
        steps.add(admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork("physnet3").setFirst(200).setLast(231).build()));
        steps.add(admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/19").setBlockPrefix(24).setGroupPrefix(29).build()));
        steps.add(admin(ADMIN, DefineFloatingPool.newBuilder().setPool("public").setCidrs(List.of("203.0.113.0/29")).build()));
        steps.add(admin(ADMIN, DefineFloatingPool.newBuilder().setPool("edge").setRanges(List.of("198.51.100.10-198.51.100.13"))
                .setExcluded(List.of("198.51.100.12")).build()));
        // big enough for stocks and their refills (ADR 0039: stock comes from the first half of a pool)
        steps.add(admin(ADMIN, DefineFloatingPool.newBuilder().setPool("wide").setCidrs(List.of("100.64.0.0/26")).build()));
        steps.add(node("r1", List.of(NodeRole.ROUTING), "192.0.2.1", 51820, 52819));
        steps.add(physicalNetworks(node("r2", List.of(NodeRole.ROUTING, NodeRole.ADDRESSING), "192.0.2.2", 51820, 52819), "physnet1"));
        steps.add(node("a1", List.of(NodeRole.ADDRESSING), "192.0.2.3", 51820, 52819));
        steps.add(physicalNetworks(node("b1", List.of(NodeRole.BRIDGING), "192.0.2.4", 51820, 52819), "physnet1"));
        steps.add(node("t1", List.of(NodeRole.TUNNELING), "192.0.2.5", 51820, 51821));
        steps.add(node("t2", List.of(NodeRole.TUNNELING), "192.0.2.6", 6000, 6000));
        // compute hosts (ADR 0035): c3 has no underlay address, so an instance there is refused off its network host
        steps.add(physicalNetworks(node("c1", List.of(NodeRole.BRIDGING), "192.0.2.11", 51820, 52819), "physnet1", "physnet2"));
        steps.add(node("c2", List.of(NodeRole.BRIDGING), "192.0.2.12", 51820, 52819));
        steps.add(node("c3", List.of(NodeRole.BRIDGING), "192.0.2.13", 51820, 52819));
        return steps;
    }

    public Step next() {
        clock += random.nextInt(90_000);
        Step step = pick();
        sent.add(step);
        return step;
    }

    private Step pick() {
        // the sum of the branches' weights below (SetInstanceMetadata's 15 put it past 1000: the last ones were out of reach)
        int roll = random.nextInt(1065);
        String p = one(PROJECTS);
        if ((roll -= 180) < 0) {
            return project(p, allocateFixed(p));
        }
        if ((roll -= 70) < 0) {
            return project(p, new ReleaseFixedIp(instanceOf(p)));
        }
        if ((roll -= 20) < 0) {
            String instance = instanceOf(p);
            return step(Topics.NODE_EVENTS.name(), p, new InstanceGone(instance, reporter(p, instance)));
        }
        if ((roll -= 15) < 0) {
            String instance = instanceOf(p);
            String node = reporter(p, instance);
            return step(Topics.NODE_EVENTS.name(), p, new InstanceBack(node == null ? "n9" : node, instance));
        }
        if ((roll -= 40) < 0) {
            return project(p, CreateSecurityGroup.newBuilder().setName(maybeBad(one(GROUPS))).setDescription(
                    chance(3) ? "bad\u0007" : "group").build());
        }
        if ((roll -= 30) < 0) {
            return project(p, new DeleteSecurityGroup(maybeBad(one(GROUPS))));
        }
        if ((roll -= 70) < 0) {
            return project(p, addRule());
        }
        if ((roll -= 30) < 0) {
            String group = one(GROUPS);
            List<String> rules = model.ruleIds(p, group);
            return project(p, new RemoveRule(group, rules.isEmpty() || chance(10) ? one(List.of("r99", "r 1")) : one(rules)));
        }
        if ((roll -= 55) < 0) { // 15 of its old 70 went to SetAutoAssignFloatingIp: the rolls add up to 1000
            return project(p, new AllocateFloatingIp(one(List.of("public", "public", "edge", "wide", "wide", "wide", "nope", "bad pool"))));
        }
        if ((roll -= 30) < 0) {
            return project(p, new ReleaseFloatingIp(floatingOf(p)));
        }
        if ((roll -= 70) < 0) {
            return project(p, new AssociateFloatingIp(floatingOf(p), instanceOf(p)));
        }
        if ((roll -= 30) < 0) {
            return project(p, new DisassociateFloatingIp(floatingOf(p)));
        }
        if ((roll -= 15) < 0) {
            List<String> pools = java.util.Arrays.asList("public", "edge", "wide", null, null, "nope", "bad pool");
            return project(p, new io.factnet.model.SetAutoAssignFloatingIp(pools.get(random.nextInt(pools.size()))));
        }
        if ((roll -= 30) < 0) {
            CreateNetwork.Builder network = CreateNetwork.newBuilder();
            if (chance(35)) {
                network.setPhysicalNetwork(one(List.of("physnet2", "physnet2", "physnet3")));
            }
            if (chance(5)) {
                network.setDnsServers(List.of("8.8.8"));
            }
            return project(p, network.build());
        }
        if ((roll -= 20) < 0) {
            return project(p, new DeleteNetwork());
        }
        if ((roll -= 30) < 0) {
            return project(p, new CreateVpn());
        }
        if ((roll -= 10) < 0) {
            return project(p, new DeleteVpn());
        }
        if ((roll -= 40) < 0) {
            return project(p, new AddVpnPeer(chance(5) ? "bad" : one(KEYS)));
        }
        if ((roll -= 20) < 0) {
            List<String> peers = model.vpnPeers(p);
            return project(p, new RemoveVpnPeer(peers.isEmpty() || chance(20) ? one(KEYS) : one(peers)));
        }
        if ((roll -= 60) < 0) {
            return lease(p);
        }
        if ((roll -= 20) < 0) {
            return admin(p, quota());
        }
        if ((roll -= 20) < 0) {
            List<String> nodes = new ArrayList<>(model.nodeIds());
            nodes.add("ghost");
            return admin(p, new MoveNetwork(one(List.of(NodeRole.values())), one(nodes)));
        }
        if ((roll -= 10) < 0) {
            return registerAgain();
        }
        if ((roll -= 40) < 0) {
            return project(p, new io.factnet.model.MoveInstance(instanceOf(p), host(p)));
        }
        if ((roll -= 10) < 0) {
            return admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork(one(List.of("physnet1", "physnet2")))
                    .setFirst(100 + random.nextInt(3)).setLast(104 + random.nextInt(3)).build());
        }
        if ((roll -= 10) < 0) {
            return admin(ADMIN, DefineFloatingPool.newBuilder().setPool(one(List.of("extra", "public", "edge")))
                    .setRanges(List.of(one(List.of("203.0.113.7-203.0.113.9", "192.0.2.100-192.0.2.101", "198.51.100.13-198.51.100.12"))))
                    .build());
        }
        if ((roll -= 5) < 0) {
            return admin(ADMIN, DefineSupernet.newBuilder().setCidr(one(List.of("10.0.0.0/21", "10.8.0.0/21", "10.0.0.1/21")))
                    .setBlockPrefix(24).setGroupPrefix(27).build());
        }
        if ((roll -= 20) < 0) {
            return envelopeFault(p);
        }
        if ((roll -= 25) < 0) {
            String group = chance(50) ? "default" : one(GROUPS);
            long[] subnet = model.groupSubnet(p, group);
            String address = subnet == null || chance(10) ? one(List.of("10.0.0.5", "10.0.1.300", "192.0.2.1"))
                    : ReferenceModel.ip(subnet[0] + random.nextInt((int) subnet[1]));
            return project(p, io.factnet.model.ReserveFixedAddress.newBuilder().setGroup(group).setAddress(address)
                    .setDescription(chance(5) ? "bad\u0007" : "appliance").build());
        }
        if ((roll -= 15) < 0) {
            // a project that holds reservations, when one does: reservations are few, and a random project seldom has one
            List<String> reserving = PROJECTS.stream().filter(q -> model.groups(q).stream()
                    .anyMatch(g -> !model.reservedAddresses(q, g).isEmpty())).toList();
            String q = reserving.isEmpty() || chance(10) ? p : one(reserving);
            List<String> holding = model.groups(q).stream().filter(g -> !model.reservedAddresses(q, g).isEmpty()).toList();
            String group = holding.isEmpty() || chance(10) ? one(GROUPS) : one(holding);
            List<String> reserved = model.reservedAddresses(q, group);
            return project(q, new io.factnet.model.UnreserveFixedAddress(group,
                    reserved.isEmpty() || chance(10) ? "10.0.0.7" : one(reserved)));
        }
        if ((roll -= 15) < 0) {
            // cloud-init metadata (ADR 0033): good and bad keys, user data around its limit, meta
            String good = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f gen";
            List<String> keys = switch (random.nextInt(12)) {
                case 0 -> List.of();
                case 1 -> List.of("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f");
                case 2 -> List.of(good, good);
                case 3 -> List.of(good + "\nssh-ed25519 AAAA evil");
                default -> List.of(good);
            };
            String userData = chance(5) ? "x".repeat(65536) : chance(5) ? "x".repeat(65535) : "#cloud-config\n";
            java.util.Map<String, String> meta = chance(5) ? java.util.Map.of("k", "bad\u0007") : java.util.Map.of("role", "web");
            return project(p, io.factnet.model.SetInstanceMetadata.newBuilder().setInstance(chance(3) ? "bad/name" : instanceOf(p))
                    .setSshKeys(keys).setUserData(userData).setMeta(meta).build());
        }
        if ((roll -= 10) < 0) {
            String node = one(List.of("t1", "t2", "r1"));
            return step(Topics.NODE_EVENTS.name(), node, AppliedAck.newBuilder().setNodeId(node).setRole(NodeRole.TUNNELING)
                    .setPartition(0).setAppliedOffset(random.nextInt(100)).setPublicKey(one(KEYS)).build());
        }
        if (!sent.isEmpty()) {
            Step again = sent.get(random.nextInt(sent.size()));
            return new Step(again.topic(), again.key(), again.request(), clock);
        }
        return project(p, new CreateVpn());
    }

    private AllocateFixedIp allocateFixed(String p) {
        AllocateFixedIp.Builder builder = AllocateFixedIp.newBuilder()
                .setInstance(chance(3) ? "bad/name" : one(INSTANCES))
                .setGroup(chance(60) ? "default" : one(GROUPS));
        if (chance(10)) {
            builder.setMac(one(MACS));
        }
        if (chance(8)) {
            builder.setHostname(one(List.of("db-primary", "-bad")));
        }
        if (chance(45)) {
            builder.setHost(host(p));
        }
        return builder.build();
    }

    private AddRule addRule() {
        Protocol protocol = one(List.of(Protocol.values()));
        AddRule.Builder rule = AddRule.newBuilder().setGroup(one(GROUPS)).setProtocol(protocol);
        if (protocol == Protocol.TCP || protocol == Protocol.UDP) {
            int from = chance(3) ? 0 : 1 + random.nextInt(1024);
            rule.setFromPort(from).setToPort(from + random.nextInt(3));
        } else if (protocol == Protocol.ICMP) {
            if (chance(70)) {
                rule.setIcmpType(random.nextInt(10) - 1);
                if (chance(40)) {
                    rule.setIcmpCode(random.nextInt(3));
                }
            }
        } else if (chance(5)) {
            rule.setFromPort(1);
        }
        // about a third egress rules (to a destination); now and then the wrong end given, or both
        boolean egress = chance(35);
        if (egress) {
            rule.setDirection(Direction.EGRESS);
        }
        boolean byCidr = chance(55);
        String cidr = one(List.of("0.0.0.0/0", "192.0.2.0/24", "10.0.0.0/8", "10.0.0.1/8"));
        String group = one(List.of("default", "web", "db", "nope"));
        if (egress == !chance(5)) {
            if (byCidr) {
                rule.setDestinationCidr(cidr);
            } else {
                rule.setDestinationGroup(group);
            }
        } else if (byCidr) {
            rule.setSourceCidr(cidr);
        } else {
            rule.setSourceGroup(group);
        }
        if (chance(3)) {
            rule.setSourceCidr("0.0.0.0/0").setDestinationCidr("192.0.2.0/24");
        }
        return rule.build();
    }

    private Step lease(String p) {
        Map<String, List<String>> fixed = model.fixedIps(p);
        String address = "10.0.7.200";
        String mac = one(MACS.subList(0, 3));
        if (!fixed.isEmpty() && chance(85)) {
            List<String> chosen = fixed.get(one(new ArrayList<>(fixed.keySet())));
            address = chosen.get(0);
            mac = chance(80) ? chosen.get(1) : mac;
        }
        Object command = chance(50) ? new LeaseGranted("a1", address, mac, "client-name") : new LeaseReleased("a1", address, mac);
        return step(Topics.NODE_EVENTS.name(), p, command);
    }

    private SetProjectQuota quota() {
        SetProjectQuota.Builder quota = SetProjectQuota.newBuilder();
        if (chance(50)) {
            quota.setFloatingIps(random.nextInt(5));
        }
        if (chance(40)) {
            quota.setSecurityGroups(random.nextInt(5));
        }
        if (chance(40)) {
            quota.setRulesPerGroup(random.nextInt(4));
        }
        if (chance(40)) {
            quota.setFixedIps(random.nextInt(12) - 1);
        }
        if (chance(5)) {
            quota.setFloatingIps(-5);
        }
        return quota.build();
    }

    private Step registerAgain() {
        String id = one(List.of("r1", "r2", "a1", "b1", "t1", "t2", "n9"));
        List<NodeRole> roles = switch (id) {
            case "r1" -> chance(50) ? List.of(NodeRole.ROUTING) : List.of(NodeRole.ROUTING, NodeRole.BRIDGING);
            case "r2" -> chance(50) ? List.of(NodeRole.ROUTING, NodeRole.ADDRESSING) : List.of(NodeRole.ROUTING);
            case "a1" -> List.of(NodeRole.ADDRESSING);
            case "b1" -> chance(70) ? List.of(NodeRole.BRIDGING) : List.of(NodeRole.BRIDGING, NodeRole.ROUTING);
            case "n9" -> List.of(NodeRole.BRIDGING, NodeRole.TUNNELING);
            default -> List.of(NodeRole.TUNNELING);
        };
        // tunneling nodes have ranges of their own (n9: 7000-7999) but now and then try one that overlaps t1's
        int first = id.equals("t2") ? 6000 : id.equals("n9") && !chance(10) ? 7000 : 51820;
        int last = id.equals("t1") ? 51820 + random.nextInt(3) : id.equals("t2") ? 6000 + random.nextInt(2)
                : first == 7000 ? 7999 : 52819;
        String address = chance(90) ? ADDRESSES.getOrDefault(id, "192.0.2.9") : "192.0.2.250";
        RegisterNode.Builder command = RegisterNode.newBuilder((RegisterNode) node(id, roles, address, first, last).request().getCommand());
        if (chance(40)) { // the physical networks it serves (else every one), now and then one it cannot take away
            command.setPhysicalNetworks(one(List.of(List.of("physnet1"), List.of("physnet1", "physnet2"), List.of("physnet2", "physnet3"),
                    List.of("physnet1", "physnet1"))));
        }
        if (chance(25)) { // the node's underlay address moves (or it gets one): every bridge of its networks names the new one
            String underlay = UNDERLAYS.getOrDefault(id, "172.16.0.20");
            command.setUnderlayAddress(underlay.replace("172.16.0.", one(List.of("172.16.1.", "172.16.2."))));
        }
        if (chance(10)) { // an operator pins (or rotates) a key; on a node that does not tunnel it is refused
            command.setPublicKey(one(KEYS));
        }
        // nodes do not register themselves: on the node-events topic it is refused
        return step(chance(20) ? Topics.NODE_EVENTS.name() : Topics.ADMIN_REQUESTS.name(), ADMIN, command.build());
    }

    private Step envelopeFault(String p) {
        return switch (random.nextInt(4)) {
            case 0 -> new Step(Topics.REQUESTS.name(), "p-other", request(p, new CreateVpn()), clock);
            case 1 -> new Step(Topics.REQUESTS.name(), p, Request.newBuilder(request(p, new CreateVpn())).setRequestId("bad id").build(), clock);
            case 2 -> step(Topics.REQUESTS.name(), p, SetProjectQuota.newBuilder().setFloatingIps(50).build());
            default -> step(Topics.REQUESTS.name(), p, new InstanceGone(instanceOf(p), reporter(p, null)));
        };
    }

    /** Mostly the instance's host; now and then another node, a bad name, or none (an event older than the field). */
    private String reporter(String p, String instance) {
        String host = model.hostOf(p, instance);
        if (host != null && !chance(15)) {
            return host;
        }
        return chance(20) ? null : one(List.of("b1", "n9", "r1", "a1", "bad node"));
    }

    private String instanceOf(String p) {
        List<String> instances = model.instances(p);
        return instances.isEmpty() || chance(15) ? one(INSTANCES) : one(instances);
    }

    private String floatingOf(String p) {
        List<String> floating = model.floatingIps(p);
        if (floating.isEmpty() || chance(10)) {
            return one(List.of("203.0.113.1", "198.51.100.10", "203.0.113", "203.0.113.5"));
        }
        return one(floating);
    }

    private String maybeBad(String name) {
        return chance(3) ? "bad name" : name;
    }

    private Step node(String id, List<NodeRole> roles, String address, int first, int last) {
        return step(Topics.ADMIN_REQUESTS.name(), ADMIN, RegisterNode.newBuilder().setNodeId(id).setRoles(roles)
                .setPublicAddress(address).setVpnPortFirst(first).setVpnPortLast(last).setUnderlayAddress(UNDERLAYS.get(id)).build());
    }

    /** Underlay addresses at first registration; {@link #registerAgain} now and then moves one (issue 11, ADR 0046). */
    static final Map<String, String> UNDERLAYS = Map.of("b1", "172.16.0.4", "n9", "172.16.0.9", "r1", "172.16.0.1",
            "c1", "172.16.0.11", "c2", "172.16.0.12");

    /** Where an instance is put or moved: the compute hosts, the network host, and hosts that cannot take it. */
    private String host(String p) {
        String networkHost = model.bridgingNode(p);
        List<String> hosts = new ArrayList<>(List.of("c1", "c2", "c2", "c3", "b1", "n9", "r2", "ghost"));
        if (networkHost != null) {
            hosts.add(networkHost);
        }
        return chance(2) ? "bad host" : one(hosts);
    }

    private Step physicalNetworks(Step registration, String... physicalNetworks) {
        RegisterNode command = RegisterNode.newBuilder((RegisterNode) registration.request().getCommand())
                .setPhysicalNetworks(List.of(physicalNetworks)).build();
        return new Step(registration.topic(), registration.key(), Request.newBuilder(registration.request()).setCommand(command).build(),
                registration.timestamp());
    }

    private Step admin(String project, Object command) {
        return step(Topics.ADMIN_REQUESTS.name(), project, command);
    }

    private Step project(String project, Object command) {
        return step(Topics.REQUESTS.name(), project, command);
    }

    private Step step(String topic, String project, Object command) {
        return new Step(topic, project, request(project, command), clock);
    }

    private Request request(String project, Object command) {
        return Request.newBuilder().setRequestId("g" + (++ids)).setProject(project)
                .setSubmittedAt(Instant.ofEpochMilli(clock)).setCommand(command).build();
    }

    private boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    private <T> T one(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
