package io.deisa.bench.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A line plot of a benchmark scenario (one line per configuration, points at the measured values)
 * with horizontal reference lines for the machine's limits or a target, rendered to PNG with
 * JFreeChart. Headless: needs fonts (fontconfig and a TrueType font, installed by {@code
 * bin/setup}), not a display.
 */
public final class LinePlot {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;
    /** Colours told apart on white and by most colour-blind readers (Okabe and Ito, 2008). */
    private static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0xF0E442)};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final Map<String, XYSeries> series = new LinkedHashMap<>();
    private final Map<String, Double> references = new LinkedHashMap<>();
    private boolean logX;
    private boolean logY;

    /** An empty plot with these title and axis labels (units in the labels). */
    public LinePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Draws the x axis on a logarithmic scale (values must be positive). */
    public LinePlot logX() {
        logX = true;
        return this;
    }

    /** Draws the y axis on a logarithmic scale (values must be positive). */
    public LinePlot logY() {
        logY = true;
        return this;
    }

    /** Adds the point {@code (x, y)} to the line {@code line}, created on first use. */
    public LinePlot add(String line, double x, double y) {
        series.computeIfAbsent(line, name -> new XYSeries(name, true, true)).add(x, y);
        return this;
    }

    /** Draws a dashed horizontal line at {@code y}, labelled {@code label}. */
    public LinePlot reference(String label, double y) {
        references.put(label, y);
        return this;
    }

    private static boolean integralX(XYSeries line) {
        for (int i = 0; i < line.getItemCount(); i++) {
            double x = line.getX(i).doubleValue();
            if (x != Math.rint(x)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a point was added. */
    public boolean isEmpty() {
        return series.isEmpty();
    }

    /** Renders the plot to {@code file} as a PNG, creating its directory. */
    public void writePng(Path file) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        series.values().forEach(data::addSeries);
        NumberAxis x = logX ? new LogarithmicAxis(xLabel) : new NumberAxis(xLabel);
        NumberAxis y = logY ? new LogarithmicAxis(yLabel) : new NumberAxis(yLabel);
        if (!logY) {
            y.setAutoRangeIncludesZero(true);
        }
        x.setAutoRangeIncludesZero(false);
        if (!logX && series.values().stream().allMatch(LinePlot::integralX)) {
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits()); // bridges, readers, windows
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        double top = 0;
        for (XYSeries s : series.values()) {
            top = Math.max(top, s.getMaxY());
        }
        for (Map.Entry<String, Double> reference : references.entrySet()) {
            ValueMarker marker = new ValueMarker(reference.getValue(), Color.DARK_GRAY,
                    new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            marker.setLabel(reference.getKey());
            marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
            plot.addRangeMarker(marker);
            top = Math.max(top, reference.getValue());
        }
        if (!logY && top > 0) {
            y.setUpperBound(top * 1.1);
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        Files.createDirectories(file.toAbsolutePath().getParent());
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }
}
