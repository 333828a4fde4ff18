package dev.tollgate.gateway;

import java.util.Locale;
import java.util.Optional;

/**
 * How a price rule charges. The wire and config form is the lower-case, hyphenated name ({@code per-click}).
 *
 * @since 0.1
 */
public enum ChargeModel {
    /** Each request is charged the price. */
    PER_CLICK("per-click"),
    /**
     * One charge of the price entitles the buyer to every request of one stream (a video and its Range requests, a
     * channel's segments) for a window of time.
     */
    PER_STREAM("per-stream"),
    /** The price is charged per unit of response body bytes, one unit before each unit is sent. */
    METERED("metered"),
    /** The request passes without payment: carves free pages out of a priced tree. */
    FREE("free");

    private final String configName;

    ChargeModel(String configName) {
        this.configName = configName;
    }

    /** The form used in config files and in the 402 offer's {@code extra.charge}. */
    public String configName() {
        return configName;
    }

    /** Looks a model up by its config name, case-insensitively. */
    public static Optional<ChargeModel> fromConfigName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (ChargeModel model : values()) {
            if (model.configName.equals(wanted)) {
                return Optional.of(model);
            }
        }
        return Optional.empty();
    }
}
