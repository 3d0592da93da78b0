package io.deisa.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ReportFileTest {

    @Test
    void appendsNewSectionsAndReplacesOnlyTheirOwnContent(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("docs/benchmarks.md");
        Files.createDirectories(path.getParent());
        Files.writeString(path, "# Benchmarks\n\nHand-written text.\n");
        ReportFile report = new ReportFile(path);

        report.writeSection("s1", "first\n");
        report.writeSection("s2", "second");
        report.writeSection("s1", "updated\n");

        assertThat(Files.readString(path)).isEqualTo("# Benchmarks\n\nHand-written text.\n\n"
                + "<!-- bench:s1 begin -->\nupdated\n<!-- bench:s1 end -->\n\n"
                + "<!-- bench:s2 begin -->\nsecond\n<!-- bench:s2 end -->\n");
    }

    @Test
    void createsTheDocument(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("new/benchmarks.md");
        new ReportFile(path).writeSection("limits", "x\n");
        assertThat(Files.readString(path)).isEqualTo("<!-- bench:limits begin -->\nx\n<!-- bench:limits end -->\n");
    }

    @Test
    void markdownTableHasHeaderSeparatorAndRows() {
        String table = new MarkdownTable("a", "b").row(1, "x").toMarkdown();
        assertThat(table).isEqualTo("| a | b |\n| --- | --- |\n| 1 | x |\n");
    }
}
