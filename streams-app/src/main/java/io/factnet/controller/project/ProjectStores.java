package io.factnet.controller.project;

import io.factnet.controller.stage.StoreNames;
import io.factnet.controller.stage.Tx;
import io.factnet.controller.stage.TxStore;
import io.factnet.model.AppliedAck;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.GroupRecord;
import io.factnet.model.NetworkSlots;
import io.factnet.model.ProjectRecord;
import io.factnet.model.QueuedRequest;
import io.factnet.model.SeenRequest;
import io.factnet.model.SubnetAddresses;
import io.factnet.model.VpnRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/** The project stage's stores, seen through one {@link Tx}. Keys start with "project/" (see {@link StoreNames}). */
final class ProjectStores {
    final TxStore<ProjectRecord> projects;
    final TxStore<QueuedRequest> queue;
    final TxStore<SeenRequest> seen;
    final TxStore<String> seenByTime;
    final TxStore<GroupRecord> groups;
    final TxStore<SubnetAddresses> groupAddresses;
    final TxStore<FixedIp> fixedIps;
    final TxStore<String> fixedIpAddresses;
    final TxStore<String> macs;
    final TxStore<FloatingIp> floatingIps;
    final TxStore<String> floatingByFixed;
    final TxStore<VpnRecord> vpns;
    final TxStore<AppliedAck> nodeAcks;
    final TxStore<NetworkSlots> networkSlots;

    ProjectStores(Tx tx, ProcessorContext<String, Object> context) {
        projects = tx.store(context.getStateStore(StoreNames.PROJECTS));
        queue = tx.store(context.getStateStore(StoreNames.PROJECT_QUEUE));
        seen = tx.store(context.getStateStore(StoreNames.REQUESTS_SEEN));
        seenByTime = tx.store(context.getStateStore(StoreNames.REQUESTS_SEEN_BY_TIME));
        groups = tx.store(context.getStateStore(StoreNames.GROUPS));
        groupAddresses = tx.store(context.getStateStore(StoreNames.GROUP_ADDRESSES));
        fixedIps = tx.store(context.getStateStore(StoreNames.FIXED_IPS));
        fixedIpAddresses = tx.store(context.getStateStore(StoreNames.FIXED_IP_ADDRESSES));
        macs = tx.store(context.getStateStore(StoreNames.MACS));
        floatingIps = tx.store(context.getStateStore(StoreNames.FLOATING_IPS));
        floatingByFixed = tx.store(context.getStateStore(StoreNames.FLOATING_BY_FIXED));
        vpns = tx.store(context.getStateStore(StoreNames.VPNS));
        nodeAcks = tx.store(context.getStateStore(StoreNames.NODE_ACKS));
        networkSlots = tx.store(context.getStateStore(StoreNames.NETWORK_SLOTS));
    }
}
