package io.deisa.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;

class LinePlotTest {

    @Test
    void rendersLinesAndReferencesToAPng(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plots/s1.png");
        new LinePlot("S1 ingest", "chunk (MiB)", "MB/s").logX()
                .add("1 bridge", 0.5, 120).add("1 bridge", 8, 480).add("4 bridges", 8, 900)
                .reference("iperf3 loopback 2207 MB/s", 2207)
                .writePng(file);
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image.getWidth()).isEqualTo(900);
        assertThat(image.getHeight()).isEqualTo(520);
        // something was drawn: not every pixel is the white background
        int white = image.getRGB(0, 0);
        boolean drawn = false;
        for (int x = 0; x < image.getWidth() && !drawn; x += 3) {
            for (int y = 0; y < image.getHeight() && !drawn; y += 3) {
                drawn = image.getRGB(x, y) != white;
            }
        }
        assertThat(drawn).isTrue();
    }
}
