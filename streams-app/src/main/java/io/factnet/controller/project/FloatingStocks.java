package io.factnet.controller.project;

import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Sinks;
import io.factnet.model.Claim;
import io.factnet.model.Grant;
import io.factnet.model.ReturnFloatingIp;
import io.factnet.model.TakeFloatingIp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A project's stock of floating addresses (ADR 0039): addresses the pool stage gave the project ahead of its
 * requests, marked taken in the pool's bitmap in the transaction of the grant that carried them, and kept in
 * the project's record ({@code ProjectRecord.floatingStock}, logged with it). An allocation takes the oldest
 * address of the pool's stock in the transaction of its result: an address is in one stock or on one floating
 * IP, never both. Quotas count floating IPs, not stock. Every change makes new collections: the record is
 * copied for rollback.
 */
final class FloatingStocks {
    private FloatingStocks() {
    }

    static List<String> of(ProjectContext ctx, String pool) {
        List<String> stock = ctx.record.getFloatingStock().get(pool);
        return stock == null ? List.of() : stock;
    }

    private static void set(ProjectContext ctx, String pool, List<String> stock) {
        Map<String, List<String>> stocks = new HashMap<>(ctx.record.getFloatingStock());
        if (stock.isEmpty()) {
            stocks.remove(pool);
        } else {
            stocks.put(pool, List.copyOf(stock));
        }
        ctx.record.setFloatingStock(stocks);
    }

    /** Takes the oldest address of the project's stock of the pool; null when the stock is empty. */
    static String take(ProjectContext ctx, String pool) {
        List<String> stock = new ArrayList<>(of(ctx, pool));
        if (stock.isEmpty()) {
            return null;
        }
        String address = stock.remove(0);
        set(ctx, pool, stock);
        return address;
    }

    /**
     * How many addresses a stock of a pool is filled to: the configured size, but no more than the floating IPs the
     * quota still allows (a project at its quota holds no stock it cannot use).
     */
    static int wanted(ProjectContext ctx) {
        int room = ctx.record.getQuotas().getFloatingIps() - ctx.record.getFloatingIps();
        return Math.max(0, Math.min(ctx.stock.size(), room));
    }

    /**
     * After an allocation from the stock: below the low watermark (and below what the quota leaves room for), a
     * refill claim goes out, one per pool at a time. It does not make the project busy: its grant adds to the
     * stock when it comes ({@link #add}), and requests meanwhile are served from the stock or by their own claim.
     */
    static void refillIfLow(ProjectContext ctx, String pool) {
        int have = of(ctx, pool).size();
        int wanted = wanted(ctx);
        if (have >= ctx.stock.low() || have >= wanted || ctx.record.getFloatingRefills().contains(pool)) {
            return;
        }
        List<String> refills = new ArrayList<>(ctx.record.getFloatingRefills());
        refills.add(pool);
        ctx.record.setFloatingRefills(refills);
        Grant grant = Grant.newBuilder().setRequestId(ctx.requestId).setProject(ctx.project).setFloatingPool(pool)
                .setFloatingRefill(true).build();
        Claim claim = Claim.newBuilder().setHops(List.of(PoolKeys.hop(PoolKeys.FLOATING, new TakeFloatingIp(pool, wanted - have, true))))
                .setGrant(grant).setReply(true).build();
        ctx.tx.emit(Sinks.PROJECT_CLAIMS, PoolKeys.FLOATING, claim);
    }

    /**
     * Adds what a grant brought to the stock of its pool; what would make the stock larger than its size, or comes
     * while the project holds no floating IP (it gave its stock back with its last one), goes back to the pool.
     */
    static void add(ProjectContext ctx, String pool, List<String> addresses) {
        List<String> stock = new ArrayList<>(of(ctx, pool));
        List<String> back = new ArrayList<>();
        for (String address : addresses) {
            if (stock.size() < ctx.stock.size() && ctx.record.getFloatingIps() > 0) {
                stock.add(address);
            } else {
                back.add(address);
            }
        }
        set(ctx, pool, stock);
        giveBack(ctx, pool, back);
    }

    /** A refill's grant came (or its refusal): the pool has no refill out any more. */
    static void refilled(ProjectContext ctx, String pool) {
        List<String> refills = new ArrayList<>(ctx.record.getFloatingRefills());
        refills.remove(pool);
        ctx.record.setFloatingRefills(refills);
    }

    /**
     * A released floating IP (counted off already): it goes into the stock of its pool while the stock has room, else
     * back to the pool. The project's last floating IP takes every stock back to the pools with it, so that a project
     * that holds no floating IP holds no stock either (and can be purged, {@link EmptyProjects}).
     */
    static void released(ProjectContext ctx, String pool, String address) {
        if (ctx.record.getFloatingIps() <= 0) {
            Map<String, List<String>> stocks = ctx.record.getFloatingStock();
            TreeSet<String> pools = new TreeSet<>(stocks.keySet());
            pools.add(pool);
            for (String each : pools) {
                List<String> back = new ArrayList<>(stocks.getOrDefault(each, List.of()));
                if (each.equals(pool)) {
                    back.add(0, address);
                }
                giveBack(ctx, each, back);
            }
            ctx.record.setFloatingStock(new HashMap<>());
            return;
        }
        List<String> stock = of(ctx, pool);
        if (stock.size() < ctx.stock.size()) {
            List<String> more = new ArrayList<>(stock);
            more.add(address);
            set(ctx, pool, more);
        } else {
            giveBack(ctx, pool, List.of(address));
        }
    }

    /** One fire-and-forget claim that gives these addresses of the pool back. */
    static void giveBack(ProjectContext ctx, String pool, List<String> addresses) {
        if (!addresses.isEmpty()) {
            ctx.release(PoolKeys.FLOATING, new ReturnFloatingIp(pool, addresses.get(0),
                    new ArrayList<>(addresses.subList(1, addresses.size()))));
        }
    }
}
