package dev.tollgate.site;

import java.util.List;

/**
 * The dashboard's charts: bar charts drawn on the server as inline SVG, so the page needs no script and nothing from
 * elsewhere (its CSP allows neither); colours are SVG attributes, since the CSP allows no inline style. Each chart
 * carries its figures as text too, for screen readers. Pure functions.
 */
final class Charts {

    private static final int WIDTH = 720;
    private static final int HEIGHT = 180;
    private static final int LEFT = 70;
    private static final int BOTTOM = 24;
    private static final String[] COLOURS = {"#0b5cad", "#c2410c"};

    /**
     * One bar chart.
     *
     * @param title what it shows, its caption
     * @param labels the label of each bar group, shown under every {@code labelEvery}-th group
     * @param series the names of the series, one bar each per group (one or two)
     * @param values {@code values[group][series]}
     * @param format how a value reads on the axis and in the text
     */
    record Bars(String title, List<String> labels, List<String> series, long[][] values, Format format,
                int labelEvery) {
    }

    /** How a chart's values read. */
    @FunctionalInterface
    interface Format {
        String of(long value);
    }

    private Charts() {
    }

    static String svg(Bars chart) {
        long max = 1;
        long total = 0;
        for (long[] group : chart.values()) {
            for (long v : group) {
                max = Math.max(max, v);
                total += v;
            }
        }
        int groups = chart.values().length;
        int plotWidth = WIDTH - LEFT - 10;
        int plotHeight = HEIGHT - BOTTOM - 10;
        double groupWidth = (double) plotWidth / groups;
        double barWidth = Math.max(1, (groupWidth - 2) / chart.series().size());
        StringBuilder svg = new StringBuilder("<figure class=\"chart\">\n<figcaption>").append(Html.esc(chart.title()))
                .append(legend(chart)).append("</figcaption>\n<svg viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\" width=\"100%\" role=\"img\" aria-label=\"").append(Html.esc(chart.title()))
                .append(": ").append(Html.esc(chart.format().of(total))).append(" in all\">\n")
                .append("<text x=\"").append(LEFT - 6).append("\" y=\"16\" text-anchor=\"end\" font-size=\"11\" "
                        + "fill=\"currentColor\">").append(Html.esc(chart.format().of(max))).append("</text>\n")
                .append("<line x1=\"").append(LEFT).append("\" y1=\"").append(HEIGHT - BOTTOM).append("\" x2=\"")
                .append(WIDTH - 10).append("\" y2=\"").append(HEIGHT - BOTTOM)
                .append("\" stroke=\"currentColor\" stroke-width=\"1\"/>\n");
        for (int g = 0; g < groups; g++) {
            double x = LEFT + g * groupWidth + 1;
            for (int s = 0; s < chart.series().size(); s++) {
                long v = chart.values()[g][s];
                double h = (double) v * plotHeight / max;
                if (v > 0) {
                    svg.append(String.format(java.util.Locale.ROOT,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %s"
                                    + "</title></rect>\n", x + s * barWidth, HEIGHT - BOTTOM - h, barWidth, h,
                            COLOURS[s % COLOURS.length], Html.esc(chart.labels().get(g)),
                            Html.esc(chart.series().get(s)), Html.esc(chart.format().of(v))));
                }
            }
            if (g % chart.labelEvery() == 0) {
                svg.append(String.format(java.util.Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
                        + "fill=\"currentColor\">%s</text>\n", x, HEIGHT - 6, Html.esc(chart.labels().get(g))));
            }
        }
        return svg.append("</svg>\n</figure>\n").toString();
    }

    /** The series' names in their colours, when there are several. */
    private static String legend(Bars chart) {
        if (chart.series().size() < 2) {
            return "";
        }
        StringBuilder out = new StringBuilder(" <small>");
        for (int s = 0; s < chart.series().size(); s++) {
            out.append("<svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"")
                    .append(COLOURS[s % COLOURS.length]).append("\"/></svg> ").append(Html.esc(chart.series().get(s)))
                    .append(' ');
        }
        return out.append("</small>").toString();
    }
}
