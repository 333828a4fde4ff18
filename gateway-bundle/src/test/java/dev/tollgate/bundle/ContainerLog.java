package dev.tollgate.bundle;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * What reaches java.util.logging's root logger, where embedded Tomcat logs (JULI writes through it) and where the
 * bundle's SLF4J provider sends the filter's lines: the container's log. Keeps each record as text only, so no
 * record holds an object of the web app (and its class loader) alive.
 */
final class ContainerLog extends Handler implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();

    static ContainerLog capture() {
        ContainerLog log = new ContainerLog();
        Logger.getLogger("").addHandler(log);
        return log;
    }

    @Override
    public void publish(LogRecord record) {
        String thrown = record.getThrown() == null ? "" : " " + record.getThrown();
        lines.add(record.getLevel() + " " + record.getLoggerName() + ": " + formatter.formatMessage(record) + thrown);
    }

    /** Every line logged so far containing one of {@code fragments}. */
    List<String> linesWith(String... fragments) {
        return lines.stream().filter(line -> List.of(fragments).stream().anyMatch(line::contains)).toList();
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
