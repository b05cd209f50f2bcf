package io.factnet.controller.pool;

import io.factnet.controller.stage.Tx;
import io.factnet.controller.stage.TxStore;
import io.factnet.model.BlockPoolRecord;
import io.factnet.model.FloatingPoolRecord;
import io.factnet.model.NodeRecord;
import io.factnet.model.VlanPoolRecord;

/** The pool stage's stores through one transaction. */
record PoolContext(Tx tx, TxStore<VlanPoolRecord> vlanPools, TxStore<BlockPoolRecord> blockPools,
                   TxStore<FloatingPoolRecord> floatingPools, TxStore<NodeRecord> nodes) {
}
