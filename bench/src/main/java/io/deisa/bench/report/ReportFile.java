package io.deisa.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The results document ({@code docs/benchmarks.md}): hand-written text with generated sections
 * between {@code <!-- bench:ID begin -->} and {@code <!-- bench:ID end -->} markers. Writing a
 * section replaces only its own markers' content, so scenarios can be re-run one at a time; a
 * section without markers yet is appended at the end.
 */
public final class ReportFile {
    private final Path file;

    /** The document at {@code file} (created on first write). */
    public ReportFile(Path file) {
        this.file = file;
    }

    /** Replaces (or appends) section {@code id} with {@code markdown}. */
    public synchronized void writeSection(String id, String markdown) {
        String begin = "<!-- bench:" + id + " begin -->\n";
        String end = "<!-- bench:" + id + " end -->\n";
        String text = read();
        String section = begin + markdown + (markdown.endsWith("\n") ? "" : "\n") + end;
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        String updated;
        if (from >= 0 && to > from) {
            updated = text.substring(0, from) + section + text.substring(to + end.length());
        } else {
            updated = text + (text.isEmpty() || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n")
                    + section;
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, updated, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private String read() {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
