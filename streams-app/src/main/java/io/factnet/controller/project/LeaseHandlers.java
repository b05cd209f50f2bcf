package io.factnet.controller.project;

import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.Allocation;
import io.factnet.model.FixedIp;
import io.factnet.model.InstanceStatus;
import io.factnet.model.LeaseGranted;
import io.factnet.model.LeaseReleased;
import io.factnet.model.Reason;
import io.factnet.topics.Topics;

/**
 * DHCP lease events from addressing nodes, keyed by address and MAC: an event whose MAC no longer owns
 * the address is refused (nova's late "del" callback released an address already given to another instance).
 */
final class LeaseHandlers {
    private LeaseHandlers() {
    }

    static FixedIp ownedBy(ProjectContext ctx, String nodeId, String address, String mac) {
        Check.name("nodeId", nodeId);
        Check.ipv4("address", address);
        String normalized = Check.mac(mac);
        String instance = ctx.stores.fixedIpAddresses.get(ctx.key(address));
        if (instance == null) {
            throw Rejected.notFound("project " + ctx.project + " has no fixed IP " + address);
        }
        FixedIp fixed = ctx.stores.fixedIps.get(ctx.key(instance));
        if (!fixed.getMac().equals(normalized)) {
            throw new Rejected(Reason.CONFLICT, "ignored: " + address + " belongs to " + fixed.getMac() + ", not " + normalized);
        }
        return fixed;
    }

    static Handled.Done setLeased(ProjectContext ctx, FixedIp fixed, boolean leased) {
        if (fixed.getLeased() != leased) {
            fixed.setLeased(leased);
            ctx.stores.fixedIps.put(ctx.key(fixed.getInstance()), fixed);
            ctx.state(Topics.STATE_FIXED_IPS, fixed.getAddress(), fixed);
        }
        return Handled.accepted(fixed.getAddress() + (leased ? " leased to " : " released by ") + fixed.getMac(),
                Allocation.newBuilder().setAddress(fixed.getAddress()).setMac(fixed.getMac()).setInstance(fixed.getInstance()).build());
    }

    static final class Granted implements Handler<LeaseGranted> {
        @Override
        public Handled handle(ProjectContext ctx, LeaseGranted command) {
            // The hostname is what the instance's DHCP client sent and is not stored; the agent passes on only a
            // valid DNS label (it sanitizes the client's), so anything else is a broken or forged event: refused
            // like every other field that is not what it must be.
            if (command.getHostname() != null) {
                Check.hostname(command.getHostname());
            }
            FixedIp fixed = ownedBy(ctx, command.getNodeId(), command.getAddress(), command.getMac());
            if (fixed.getStatus() == InstanceStatus.DOWN) {
                InstanceHandlers.markUp(ctx, fixed); // it asked for its address: it is there again (ADR 0031)
            }
            return setLeased(ctx, fixed, true);
        }
    }

    static final class Released implements Handler<LeaseReleased> {
        @Override
        public Handled handle(ProjectContext ctx, LeaseReleased command) {
            return setLeased(ctx, ownedBy(ctx, command.getNodeId(), command.getAddress(), command.getMac()), false);
        }
    }
}
