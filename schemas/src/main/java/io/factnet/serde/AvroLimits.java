package io.factnet.serde;

import java.lang.reflect.Method;
import org.apache.avro.SystemLimitException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Avro's own bounds on what one value may declare ({@code org.apache.avro.limits.*}), the second line
 * behind {@link DeclaredSizes}: unless the JVM was started with them, they are set here to sizes no
 * factnet record comes near (a Kafka record is 1 MB by default; the largest factnet value, a floating
 * pool's bitmap of 2^20 addresses, is 128 KiB). Avro reads them once, when its {@link SystemLimitException}
 * class loads, so the serializer and the deserializer call {@link #apply()} when they load; if Avro had read
 * them before, its {@code resetLimits()} (package-private, its own tests' hook) makes it read them again.
 */
public final class AvroLimits {
    private static final Logger log = LoggerFactory.getLogger(AvroLimits.class);

    /** The most bytes one string or bytes value may declare: 16 MiB. */
    public static final int MAX_LENGTH = 16 << 20;
    /** The most items one array or map may hold: 2^24. */
    public static final int MAX_ITEMS = 1 << 24;

    private static volatile boolean applied;

    private AvroLimits() {
    }

    /** Sets the limits the JVM was not started with, once; warns if Avro had already read its own. */
    public static synchronized void apply() {
        if (applied) {
            return;
        }
        applied = true;
        setIfAbsent(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_LENGTH);
        setIfAbsent(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_LENGTH);
        setIfAbsent(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, MAX_ITEMS);
        if (!inForce()) {
            reread();
        }
        if (!inForce()) {
            log.warn("Avro read its limits before factnet set them: {}, {} and {} are Avro's defaults (2^31-9) or the "
                    + "JVM's options; factnet still refuses any size larger than a record's bytes",
                    SystemLimitException.MAX_STRING_LENGTH_PROPERTY, SystemLimitException.MAX_BYTES_LENGTH_PROPERTY,
                    SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY);
        }
    }

    /** Whether Avro refuses a string longer than {@link #MAX_LENGTH} (or a smaller limit the JVM was given). */
    static boolean inForce() {
        try {
            SystemLimitException.checkMaxStringLength(MAX_LENGTH + 1L);
            return false;
        } catch (SystemLimitException e) {
            return true;
        }
    }

    private static void reread() {
        try {
            Method reset = SystemLimitException.class.getDeclaredMethod("resetLimits");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("cannot make Avro read its limits again: {}", e.toString());
        }
    }

    private static void setIfAbsent(String property, int value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(value));
        }
    }
}
