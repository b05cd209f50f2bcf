package io.factnet.reliability;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How big a chaos run is, and its seed. The README's test command runs the short form; the long form
 * ({@code -Dfactnet.chaos=long}) sends ten times the load and injects more faults. A run prints its seed;
 * {@code -Dfactnet.chaos.seed=<seed>} replays it.
 *
 * @param form  short or long
 * @param seed  the seed of the load, the batch sizes and the fault moments
 * @param dir   where the runs keep broker folders, logs and reports
 */
public record ChaosSettings(Form form, long seed, Path dir) {

    public enum Form { SHORT, LONG }

    public static ChaosSettings fromSystemProperties() {
        Form form = Form.valueOf(System.getProperty("factnet.chaos", "short").trim().toUpperCase(Locale.ROOT));
        String seedText = System.getProperty("factnet.chaos.seed", "").trim();
        long seed = seedText.isEmpty() ? ThreadLocalRandom.current().nextLong() : Long.parseLong(seedText);
        Path dir = Path.of(System.getProperty("factnet.chaos.dir", "target/chaos"));
        return new ChaosSettings(form, seed, dir);
    }

    public boolean isLong() {
        return form == Form.LONG;
    }

    /** The value for this form. */
    public int pick(int shortForm, int longForm) {
        return isLong() ? longForm : shortForm;
    }

    /** A folder of its own for one scenario run. */
    public Path runDir(String scenario) {
        return dir.resolve(scenario + "-" + Long.toHexString(seed)).toAbsolutePath();
    }

    /** What a failure message must say to replay the run. */
    public String replay() {
        return "seed " + seed + " (replay: -Dfactnet.chaos=" + form.name().toLowerCase(Locale.ROOT)
                + " -Dfactnet.chaos.seed=" + seed + ")";
    }
}
