package io.factnet.node.exec;

import java.util.List;
import java.util.Optional;

/** Looks up running processes (the dnsmasq instances the addressing agent keeps alive). */
public interface ProcessTable {
    /** The argument vector of a live process, empty when no such process runs. */
    Optional<List<String>> commandLine(long pid);
}
