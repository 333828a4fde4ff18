package dev.tollgate.spring;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The starter's own settings under {@code tollgate}: whether it runs, where its config is, and how the filter is
 * mapped. The gateway's settings themselves ({@code tollgate.seller}, {@code tollgate.broker}, {@code tollgate.rules},
 * ...) are not bound here but read as a whole by {@link InlineSettings} and validated by the gateway, so that they
 * are refused with the same messages as in a config file.
 *
 * @since 0.6
 */
@ConfigurationProperties(InlineSettings.PREFIX)
public class TollgateProperties {

    /**
     * Whether the gateway runs. Unset: it runs when tollgate.config-file or inline tollgate.* gateway settings are
     * present. False: it does not run whatever is configured.
     */
    private Boolean enabled;

    /**
     * The gateway's YAML config file (docs/CONFIG.md), watched and reloaded while the app runs. Instead of inline
     * tollgate.* gateway settings, not beside them.
     */
    private Path configFile;

    private final Filter filter = new Filter();

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public Path getConfigFile() {
        return configFile;
    }

    public void setConfigFile(Path configFile) {
        this.configFile = configFile;
    }

    public Filter getFilter() {
        return filter;
    }

    /** How the filter is registered with the servlet container. */
    public static class Filter {

        /**
         * The filter's order among the app's filters. The default, 0, runs it after Spring Security's filter chain
         * (-100), so a path that needs a login asks for it before it asks for payment.
         */
        private int order = 0;

        /**
         * The Servlet url-patterns the filter is mapped to (/*, /prefix/*, *.ext or an exact path; not /prefix/**).
         * Keep /* unless the app serves paid content under one prefix: every priced rule must be covered by one.
         */
        private List<String> urlPatterns = new ArrayList<>(List.of("/*"));

        public int getOrder() {
            return order;
        }

        public void setOrder(int order) {
            this.order = order;
        }

        public List<String> getUrlPatterns() {
            return urlPatterns;
        }

        public void setUrlPatterns(List<String> urlPatterns) {
            this.urlPatterns = urlPatterns;
        }
    }
}
