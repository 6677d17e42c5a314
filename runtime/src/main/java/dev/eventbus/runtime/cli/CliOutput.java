package dev.eventbus.runtime.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Output helpers of the operator commands: aligned tables, JSON, durations, progress lines. */
final class CliOutput {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CliOutput() {}

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Columns padded to their widest cell, two spaces apart; the last column is not padded. With
     * {@link #capped}, no cell is wider than the cap: a longer one is cut and ends with the marker
     * {@code …[+N]} (N characters left out), so one huge field cannot blow every row up to its width.
     */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private int cap = Integer.MAX_VALUE;

        Table(String... header) {
            rows.add(header);
        }

        /** Cells longer than {@code width} are cut (with the marker); line breaks become spaces. */
        Table capped(int width) {
            this.cap = width;
            return this;
        }

        Table row(Object... cells) {
            String[] r = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                r[i] = cells[i] == null ? "-" : cut(String.valueOf(cells[i]), cap);
            }
            rows.add(r);
            return this;
        }

        int size() {
            return rows.size() - 1;
        }

        void print(PrintWriter out) {
            int columns = rows.get(0).length;
            int[] width = new int[columns];
            for (String[] r : rows) {
                for (int i = 0; i < columns; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < columns; i++) {
                    b.append(r[i]);
                    if (i < columns - 1) {
                        b.append(" ".repeat(width[i] - r[i].length() + 2));
                    }
                }
                out.println(b.toString().stripTrailing());
            }
            out.flush();
        }
    }

    /** 850ms, 12s, 5m12s, 3h05m, 2d03h; "-" for a negative value. */
    static String duration(long millis) {
        if (millis < 0) {
            return "-";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        long s = millis / 1000;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format("%02ds", s % 60);
        }
        if (s < 86400) {
            return (s / 3600) + "h" + String.format("%02dm", (s % 3600) / 60);
        }
        return (s / 86400) + "d" + String.format("%02dh", (s % 86400) / 3600);
    }

    /** At most {@code max} characters of {@code s} on one line, then {@code …[+N]} when N were left out. */
    static String cut(String s, int max) {
        if (max == Integer.MAX_VALUE) {
            return s;
        }
        String oneLine = s.length() > max ? s.substring(0, max) : s;
        oneLine = oneLine.replace('\n', ' ').replace('\r', ' ');
        return s.length() <= max ? oneLine : oneLine + "…[+" + (s.length() - max) + "]";
    }

    static String shorten(String s, int max) {
        if (s == null) {
            return null;
        }
        String oneLine = s.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 3) + "...";
    }

    /**
     * The progress of a change on stderr; a dry run's says what it would do ({@code redrive (dry
     * run): 3 would be redriven, 0 left alone}), not that it did it.
     *
     * @param what the change, e.g. {@code redrive}
     * @param done what an entry it is done with is, e.g. {@code redriven}
     */
    static ProgressLine progress(PrintWriter err, String what, String done, boolean dryRun) {
        return dryRun ? new ProgressLine(err, what + " (dry run)", "would be " + done) : new ProgressLine(err, what);
    }

    /** Progress on stderr: at most one line a second, and a last one from {@link #finish}. */
    static final class ProgressLine implements dev.eventbus.runtime.ops.Progress {
        private final PrintWriter err;
        private final String what;
        private final String doneAs;
        private final long started = System.nanoTime();
        private long lastPrinted = System.nanoTime();
        private long done;
        private long skipped;
        private long printedDone = -1;
        private long printedSkipped = -1;

        ProgressLine(PrintWriter err, String what) {
            this(err, what, "done");
        }

        /**
         * @param doneAs what the entries counted as done are, e.g. {@code would be redriven} for a
         *     dry run, which does nothing
         */
        private ProgressLine(PrintWriter err, String what, String doneAs) {
            this.err = err;
            this.what = what;
            this.doneAs = doneAs;
        }

        @Override
        public void update(long done, long skipped) {
            this.done = done;
            this.skipped = skipped;
            long now = System.nanoTime();
            if (now - lastPrinted >= 1_000_000_000L) {
                lastPrinted = now;
                print();
            }
        }

        void finish() {
            if (done != printedDone || skipped != printedSkipped || printedDone < 0) {
                print();
            }
        }

        private void print() {
            printedDone = done;
            printedSkipped = skipped;
            double seconds = (System.nanoTime() - started) / 1e9;
            err.printf("%s: %d %s, %d left alone, in %.1f s%n", what, done, doneAs, skipped, seconds);
            err.flush();
        }
    }
}
