package io.factnet.controller.alloc;

import io.factnet.model.BitmapState;
import io.factnet.model.Hold;
import io.factnet.model.SubnetAddresses;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Bitmap} whose released indexes stay taken until a hold-down time has passed (nova's
 * fixed_ip_disassociate_timeout): a late DHCP lease or ARP cache of the old instance cannot reach a
 * new one. Time is the caller's event time, so the pool is deterministic. Holds are kept first in,
 * first out: with one hold-down duration and a clock that never goes back, that is also expiry order.
 */
public final class HoldDownPool {
    private final Bitmap bitmap;
    private final ArrayDeque<Hold> holds;

    private HoldDownPool(Bitmap bitmap, ArrayDeque<Hold> holds) {
        this.bitmap = bitmap;
        this.holds = holds;
    }

    public static HoldDownPool empty(int size) {
        return new HoldDownPool(Bitmap.empty(size), new ArrayDeque<>());
    }

    public static HoldDownPool of(SubnetAddresses state) {
        return new HoldDownPool(Bitmap.of(state.getBitmap()), new ArrayDeque<>(state.getHolds()));
    }

    public SubnetAddresses toState() {
        BitmapState bits = bitmap.toState();
        return SubnetAddresses.newBuilder().setBitmap(bits).setHolds(new ArrayList<>(holds)).build();
    }

    /** Marks an index that is never given (network, broadcast, gateway address). */
    public void reserve(int index) {
        bitmap.take(index);
    }

    public boolean isTaken(int index) {
        return bitmap.isTaken(index);
    }

    /** Gives a taken index back at once, without a hold-down (it was reserved, never an instance's). */
    public void free(int index) {
        if (!bitmap.release(index)) {
            throw new IllegalStateException("index " + index + " is not taken");
        }
    }

    /** Frees the holds that ended at or before {@code now}, then takes the next free index; -1 when none is free. */
    public int allocate(long now) {
        expire(now);
        return bitmap.allocate();
    }

    /** Gives an index back; it can be given again from {@code untilMillis} on. */
    public void release(int index, long untilMillis) {
        if (!bitmap.isTaken(index)) {
            throw new IllegalStateException("index " + index + " is not taken");
        }
        holds.addLast(Hold.newBuilder().setIndex(index).setUntilMillis(untilMillis).build());
    }

    public void expire(long now) {
        while (!holds.isEmpty() && holds.peekFirst().getUntilMillis() <= now) {
            bitmap.release(holds.pollFirst().getIndex());
        }
    }

    public List<Hold> holds() {
        return List.copyOf(holds);
    }

    public int used() {
        return bitmap.used();
    }
}
