package dev.eventbus.runtime.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What an interrupted replay tells the operator to run next so that exactly the entries it did not
 * replay are replayed: each command names its partition ({@code --stream}), its start and the end
 * the interrupted run had ({@code --to}). A bare {@code --from <next id>} would not do: on a
 * partitioned stream it applies to every partition again, and entry ids interleave across
 * partitions, so partitions already finished would be replayed again from there; and without
 * {@code --to} the range would end at the last entry then, taking in entries appended since.
 */
final class ReplayResumeHint {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._:/@+=-]+");

    private ReplayResumeHint() {}

    /**
     * @param interrupted the key the replay stopped on
     * @param lastId the last entry of {@code interrupted} replayed, or null when none was
     * @param startId the first entry id of the range, resolved (a time ago means another start later)
     * @param ends the last entry id of the range for each key, as the run had it (null: the key was
     *     empty at the start, nothing of it is in the range)
     * @param notReached the keys after {@code interrupted}, in the order the run would have taken
     */
    static String text(
            String interrupted, String lastId, String startId, Map<String, String> ends, List<String> notReached) {
        String end = ends.get(interrupted);
        String what = lastId == null
                ? "nothing replayed on " + interrupted
                : "the entries of " + interrupted + " after " + lastId + " are not replayed";
        List<String> rest = new ArrayList<>();
        if (end != null) {
            rest.add(command(interrupted, lastId == null ? startId : ReplayCommand.after(lastId), end));
        }
        List<String> others = new ArrayList<>();
        for (String key : notReached) {
            if (ends.get(key) != null) {
                others.add(command(key, startId, ends.get(key)));
            }
        }
        if (rest.isEmpty() && others.isEmpty()) {
            return what + "; nothing of the range is left";
        }
        StringBuilder text = new StringBuilder(what).append(": ");
        if (!rest.isEmpty()) {
            text.append(rest.get(0)).append(" goes on");
        }
        if (!others.isEmpty()) {
            text.append(rest.isEmpty() ? "" : ", then ")
                    .append(
                            others.size() == 1
                                    ? "the partition not reached: "
                                    : "the partitions not reached, one " + "command each: ")
                    .append(String.join(", ", others));
        }
        return text.toString();
    }

    private static String command(String key, String from, String to) {
        return "--stream " + quoted(key) + " --from " + from + " --to " + to;
    }

    /** A partition key ({@code {wallet:3/8}}) quoted for a shell; a plain name as it is. */
    private static String quoted(String key) {
        return PLAIN.matcher(key).matches() ? key : "'" + key.replace("'", "'\\''") + "'";
    }
}
