package io.factnet.controller.http;

import static io.factnet.controller.http.AvroJson.JSON;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.model.AppliedAck;
import io.factnet.model.BlockPoolRecord;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.FloatingPoolRecord;
import io.factnet.model.GroupRecord;
import io.factnet.model.Node;
import io.factnet.model.NodeRecord;
import io.factnet.model.ProjectRecord;
import io.factnet.model.Result;
import io.factnet.model.Rule;
import io.factnet.model.VlanPoolRecord;
import io.factnet.model.VpnRecord;
import java.util.List;

/**
 * The JSON views of the controller's store records: what an operator needs, without the allocators'
 * internals (bitmaps, queue positions, clocks). The public facts (network, rules, fixed and floating
 * IPs, VPN) appear with all their fields (see {@link AvroJson}). docs/api.md shows every shape.
 */
final class StateViews {
    private StateViews() {
    }

    static ObjectNode project(ProjectRecord record, List<GroupRecord> groups, VpnRecord vpn) {
        ObjectNode project = JSON.objectNode();
        project.put("project", record.getProject());
        project.set("network", AvroJson.value(record.getNetwork()));
        project.set("quotas", AvroJson.object(record.getQuotas()));
        project.put("autoAssignFloatingPool", record.getAutoAssignFloatingPool());
        ObjectNode usage = project.putObject("usage");
        usage.put("floatingIps", record.getFloatingIps());
        usage.put("securityGroups", record.getSecurityGroups());
        usage.put("fixedIps", record.getFixedIps());
        ArrayNode groupArray = project.putArray("groups");
        groups.forEach(group -> groupArray.add(group(group)));
        project.set("vpn", vpn == null ? JSON.nullNode() : AvroJson.object(vpn.getVpn()));
        project.put("queuedRequests", record.getQueueTail() - record.getQueueHead());
        return project;
    }

    static ObjectNode group(GroupRecord record) {
        ObjectNode group = JSON.objectNode();
        group.put("name", record.getName());
        group.put("description", record.getDescription());
        group.put("implicit", record.getImplicit());
        group.put("subnet", record.getSubnet());
        group.put("instances", record.getInstances());
        ArrayNode rules = group.putArray("rules");
        for (Rule rule : record.getRules()) {
            rules.add(AvroJson.object(rule));
        }
        ArrayNode reserved = group.putArray("reserved");
        record.getReserved().forEach(reservation -> reserved.add(AvroJson.object(reservation)));
        return group;
    }

    /** A fixed IP with the floating addresses associated with it. */
    static ObjectNode instance(FixedIp fixed, List<String> floatingAddresses) {
        ObjectNode instance = AvroJson.object(fixed);
        ArrayNode floating = instance.putArray("floatingIps");
        floatingAddresses.forEach(floating::add);
        return instance;
    }

    /** A request's result as factnet.results carried it: sequence, command, status, reason, who asked ({@code requestedBy}). */
    static ObjectNode request(Result result) {
        return AvroJson.object(result);
    }

    static ObjectNode floatingIp(FloatingIp floating) {
        return AvroJson.object(floating);
    }

    static ObjectNode vlanRange(String physicalNetwork, VlanPoolRecord pool) {
        ObjectNode range = JSON.objectNode();
        range.put("physicalNetwork", physicalNetwork);
        range.put("first", pool.getFirst());
        range.put("last", pool.getLast());
        range.put("size", pool.getBitmap().getSize());
        range.put("used", pool.getBitmap().getUsed());
        return range;
    }

    static ObjectNode supernet(BlockPoolRecord pool) {
        ObjectNode supernet = JSON.objectNode();
        supernet.put("cidr", pool.getCidr());
        supernet.put("blockPrefix", pool.getBlockPrefix());
        supernet.put("groupPrefix", pool.getGroupPrefix());
        supernet.put("size", pool.getBitmap().getSize());
        supernet.put("used", pool.getBitmap().getUsed());
        return supernet;
    }

    /** Size and used leave out the excluded addresses, which are never given. */
    static ObjectNode floatingPool(String name, FloatingPoolRecord pool) {
        ObjectNode floating = JSON.objectNode();
        floating.put("pool", name);
        floating.set("cidrs", AvroJson.value(pool.getDefinition().getCidrs()));
        floating.set("ranges", AvroJson.value(pool.getDefinition().getRanges()));
        floating.set("excluded", AvroJson.value(pool.getDefinition().getExcluded()));
        floating.put("size", pool.getBitmap().getSize() - pool.getReserved());
        floating.put("used", pool.getBitmap().getUsed() - pool.getReserved());
        return floating;
    }

    static ObjectNode node(NodeRecord record) {
        Node node = record.getNode();
        ObjectNode view = JSON.objectNode();
        view.put("nodeId", node.getNodeId());
        view.put("registered", true);
        view.set("roles", AvroJson.value(node.getRoles()));
        view.put("publicAddress", node.getPublicAddress());
        view.put("publicKey", node.getPublicKey());
        view.set("physicalNetworks", AvroJson.value(node.getPhysicalNetworks()));
        view.set("load", AvroJson.value(node.getLoad()));
        ObjectNode ports = view.putObject("vpnPorts");
        ports.put("first", node.getVpnPortFirst());
        ports.put("last", node.getVpnPortLast());
        ports.put("used", record.getPorts().getUsed());
        view.putObject("applied");
        return view;
    }

    /** A node seen only through its agents' acks (it never registered). */
    static ObjectNode unregisteredNode(String nodeId) {
        ObjectNode view = JSON.objectNode();
        view.put("nodeId", nodeId);
        view.put("registered", false);
        view.putObject("applied");
        return view;
    }

    /** The last ack of a node's agent for one role; the public key is on the node, not repeated here. */
    static ObjectNode ack(AppliedAck ack) {
        ObjectNode view = JSON.objectNode();
        view.put("nodeId", ack.getNodeId());
        view.put("role", ack.getRole().name());
        view.put("partition", ack.getPartition());
        view.put("appliedOffset", ack.getAppliedOffset());
        view.put("applyMillis", ack.getApplyMillis());
        view.put("error", ack.getError());
        view.set("counts", AvroJson.value(ack.getCounts()));
        return view;
    }
}
