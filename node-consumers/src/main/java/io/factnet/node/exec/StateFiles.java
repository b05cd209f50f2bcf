package io.factnet.node.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's own files (rule sets, hosts files, keys) under its state folder. Writes are atomic
 * (a temporary file renamed over the old one), so dnsmasq or nft never read half a file, and the
 * mode is set before the content is written, so a key is never readable by others, not even briefly.
 */
public final class StateFiles {
    public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");
    public static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> SHARED_FOLDER = PosixFilePermissions.fromString("rwxr-xr-x");

    private StateFiles() {
    }

    /** A folder only root can enter (keys, rule files). */
    public static Path privateFolder(Path folder) {
        return folder(folder, FOLDER);
    }

    /** A folder others may read: dnsmasq drops to an unprivileged user and must still read its hosts file. */
    public static Path sharedFolder(Path folder) {
        return folder(folder, SHARED_FOLDER);
    }

    private static Path folder(Path folder, Set<PosixFilePermission> mode) {
        try {
            Files.createDirectories(folder);
            Files.setPosixFilePermissions(folder, mode);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make folder " + folder + ": " + e.getMessage(), e);
        }
    }

    public static void write(Path file, String content, Set<PosixFilePermission> mode) {
        writeAtomically(file, mode, temp -> Files.writeString(temp, content, StandardCharsets.UTF_8));
    }

    /** Writes what {@code body} writes to a temporary file of this mode beside {@code file}, then moves it into place. */
    public static void writeAtomically(Path file, Set<PosixFilePermission> mode, Body body) {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(mode));
            body.writeTo(temp);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** What goes into a file written by {@link #writeAtomically}. */
    @FunctionalInterface
    public interface Body {
        void writeTo(Path temp) throws IOException;
    }

    /** Writes only when the content differs; true when it wrote. */
    public static boolean writeIfChanged(Path file, String content, Set<PosixFilePermission> mode) {
        if (read(file).filter(content::equals).isPresent()) {
            return false;
        }
        write(file, content, mode);
        return true;
    }

    public static Optional<String> read(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }
}
