package io.factnet.controller.alloc;

import io.factnet.model.BitmapState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A next-fit bitmap allocator over the indexes {@code [0, size)}: one bit per index (set = taken).
 * {@link #allocate()} returns the first free index at or after the cursor, wrapping around once, and
 * moves the cursor past it, so a released index is not given again until the cursor comes round
 * (fewer surprises for whoever still remembers the old owner). The search skips 64 taken indexes per
 * step, so an allocation costs O(1) amortized while the pool is not nearly full, and is deterministic:
 * the same sequence of calls always gives the same indexes.
 */
public final class Bitmap {
    private final int size;
    private final long[] words;
    private int cursor;
    private int used;

    private Bitmap(int size, long[] words, int cursor, int used) {
        this.size = size;
        this.words = words;
        this.cursor = cursor;
        this.used = used;
    }

    public static Bitmap empty(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        return new Bitmap(size, new long[(size + 63) >>> 6], 0, 0);
    }

    /** Reads a stored bitmap: little-endian 64-bit words, the last one cut to whole bytes. */
    public static Bitmap of(BitmapState state) {
        int size = state.getSize();
        long[] words = new long[(size + 63) >>> 6];
        ByteBuffer bytes = state.getBits().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int word = 0;
        while (bytes.remaining() >= Long.BYTES) {
            words[word++] = bytes.getLong();
        }
        for (int shift = 0; bytes.hasRemaining(); shift += 8) {
            words[word] |= (bytes.get() & 0xFFL) << shift;
        }
        return new Bitmap(size, words, state.getCursor(), state.getUsed());
    }

    public BitmapState toState() {
        ByteBuffer bytes = ByteBuffer.allocate((size + 7) >>> 3).order(ByteOrder.LITTLE_ENDIAN);
        int word = 0;
        while (bytes.remaining() >= Long.BYTES) {
            bytes.putLong(words[word++]);
        }
        for (int shift = 0; bytes.hasRemaining(); shift += 8) {
            bytes.put((byte) (words[word] >>> shift));
        }
        return BitmapState.newBuilder().setSize(size).setCursor(cursor).setUsed(used).setBits(bytes.flip()).build();
    }

    /** Takes the next free index (next fit from the cursor); -1 when every index is taken. */
    public int allocate() {
        if (used == size) {
            return -1;
        }
        int found = nextClear(cursor, size);
        if (found < 0) {
            found = nextClear(0, cursor);
        }
        set(found);
        cursor = found + 1 == size ? 0 : found + 1;
        return found;
    }

    /** Takes one given index; false if it was taken already. */
    public boolean take(int index) {
        check(index);
        if (isTaken(index)) {
            return false;
        }
        set(index);
        return true;
    }

    /** Frees an index; false if it was free already. */
    public boolean release(int index) {
        check(index);
        if (!isTaken(index)) {
            return false;
        }
        words[index >>> 6] &= ~(1L << index);
        used--;
        return true;
    }

    public boolean isTaken(int index) {
        check(index);
        return (words[index >>> 6] & (1L << index)) != 0;
    }

    public int size() {
        return size;
    }

    public int used() {
        return used;
    }

    public int free() {
        return size - used;
    }

    public int cursor() {
        return cursor;
    }

    private void set(int index) {
        words[index >>> 6] |= 1L << index;
        used++;
    }

    /** The first clear bit in [from, to), or -1. */
    private int nextClear(int from, int to) {
        if (from >= to) {
            return -1;
        }
        int word = from >>> 6;
        long free = ~words[word] & (-1L << from); // shifts are mod 64: keeps bits >= from within the word
        while (true) {
            if (free != 0) {
                int index = (word << 6) + Long.numberOfTrailingZeros(free);
                return index < to ? index : -1;
            }
            word++;
            if (word << 6 >= to) {
                return -1;
            }
            free = ~words[word];
        }
    }

    private void check(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " outside [0, " + size + ")");
        }
    }
}
