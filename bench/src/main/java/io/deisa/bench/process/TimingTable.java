package io.deisa.bench.process;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of {@code long} columns that a benchmark process writes for the harness to read back: a
 * tab-separated file whose first line names the columns.
 */
public final class TimingTable {
    private final List<String> columns;
    private final List<long[]> rows;

    /** An empty table with these columns. */
    public TimingTable(String... columns) {
        this(List.of(columns), new ArrayList<>());
    }

    private TimingTable(List<String> columns, List<long[]> rows) {
        this.columns = columns;
        this.rows = rows;
    }

    /** Appends a row; its length must match the columns. */
    public synchronized void add(long... row) {
        if (row.length != columns.size()) {
            throw new IllegalArgumentException("row of " + row.length + " values, table has columns " + columns);
        }
        rows.add(row.clone());
    }

    /** The rows, in insertion order. */
    public synchronized List<long[]> rows() {
        return List.copyOf(rows);
    }

    /** Number of rows. */
    public synchronized int size() {
        return rows.size();
    }

    /** The values of one column, in row order. */
    public synchronized long[] column(String name) {
        int index = columns.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("no column '" + name + "' in " + columns);
        }
        return rows.stream().mapToLong(row -> row[index]).toArray();
    }

    /** Writes the table to {@code file}. */
    public synchronized void write(Path file) {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(String.join("\t", columns));
            out.write('\n');
            for (long[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    if (i > 0) {
                        out.write('\t');
                    }
                    out.write(Long.toString(row[i]));
                }
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads a table written by {@link #write}. */
    public static TimingTable read(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                throw new IllegalStateException(file + " is empty: the process that writes it did not finish");
            }
            List<long[]> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                rows.add(Arrays.stream(line.split("\t")).mapToLong(Long::parseLong).toArray());
            }
            return new TimingTable(List.of(lines.get(0).split("\t")), rows);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
