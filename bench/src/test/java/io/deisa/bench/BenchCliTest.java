package io.deisa.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.bench.process.AnalyticsMain;
import io.deisa.bench.process.NativeRanks;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The harness's command line: what a user types, in whatever case. */
class BenchCliTest {

    @Test
    void scenarioOptionsAndValuesAreTakenInAnyCase() {
        CommandLine cli = BenchCli.commandLine();
        CommandLine.ParseResult parsed = cli.parseArgs("Ingest", "--WORKS", "noop,Mean", "--langs", "c,Python", "--runs=1");
        BenchCli.Ingest ingest = (BenchCli.Ingest) parsed.subcommand().commandSpec().userObject();
        assertThat(ingest.works).containsExactly(AnalyticsMain.Work.NOOP, AnalyticsMain.Work.MEAN);
        assertThat(ingest.languages).containsExactly(NativeRanks.Language.C, NativeRanks.Language.PYTHON);
        assertThat(ingest.common.runs).isEqualTo(1);

        parsed = BenchCli.commandLine().parseArgs("chunk-parallel", "--forms", "aggregate,whole");
        BenchCli.ChunkParallel s6 = (BenchCli.ChunkParallel) parsed.subcommand().commandSpec().userObject();
        assertThat(s6.forms).containsExactly(AnalyticsMain.Form.AGGREGATE, AnalyticsMain.Form.WHOLE);
    }

    @Test
    void anUnknownValueIsNamedWithTheChoices() {
        StringWriter err = new StringWriter();
        int status = BenchCli.commandLine().setErr(new PrintWriter(err)).execute("ingest", "--works", "nope");
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--works'", "nope", "NOOP", "MEAN");
    }
}
