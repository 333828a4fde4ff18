package dev.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which Servlet url-patterns are accepted, and which gateway globs each one gates in full. */
final class FilterUrlPatternsTest {

    @Test
    void onlyServletUrlPatternsAreValid() {
        assertThat(FilterUrlPatterns.valid("/*")).isTrue();
        assertThat(FilterUrlPatterns.valid("/articles/*")).isTrue();
        assertThat(FilterUrlPatterns.valid("*.mp4")).isTrue();
        assertThat(FilterUrlPatterns.valid("/about")).isTrue();
        assertThat(FilterUrlPatterns.valid("/api/**")).isFalse();
        assertThat(FilterUrlPatterns.valid("/**")).isFalse();
        assertThat(FilterUrlPatterns.valid("/a/*/b")).isFalse();
        assertThat(FilterUrlPatterns.valid("/a*")).isFalse();
        assertThat(FilterUrlPatterns.valid("api/*")).isFalse();
        assertThat(FilterUrlPatterns.valid("*.")).isFalse();
        assertThat(FilterUrlPatterns.valid("*.a/b")).isFalse();
        assertThat(FilterUrlPatterns.valid("")).isFalse();
    }

    @Test
    void aPrefixPatternCoversTheGlobsUnderItsPrefix() {
        assertThat(FilterUrlPatterns.covers("/*", "*.mp4")).isTrue();
        assertThat(FilterUrlPatterns.covers("/articles/*", "/articles/**")).isTrue();
        assertThat(FilterUrlPatterns.covers("/articles/*", "/articles")).isTrue();
        assertThat(FilterUrlPatterns.covers("/articles/*", "/articles/*/comments")).isTrue();
        assertThat(FilterUrlPatterns.covers("/articles/*", "/articlesx/**")).isFalse();
        assertThat(FilterUrlPatterns.covers("/articles/*", "/*/articles/**")).isFalse();
        assertThat(FilterUrlPatterns.covers("/articles/*", "/**")).isFalse();
        assertThat(FilterUrlPatterns.covers("/a/b/*", "/a/**")).isFalse();
    }

    @Test
    void anExtensionOrExactPatternCoversOnlyWhatItNames() {
        assertThat(FilterUrlPatterns.covers("*.mp4", "*.mp4")).isTrue();
        assertThat(FilterUrlPatterns.covers("*.mp4", "/videos/*.mp4")).isTrue();
        assertThat(FilterUrlPatterns.covers("*.mp4", "/videos/**")).isFalse();
        assertThat(FilterUrlPatterns.covers("*.mp4", "/videos/*.mp4x")).isFalse();
        assertThat(FilterUrlPatterns.covers("/report", "/report")).isTrue();
        assertThat(FilterUrlPatterns.covers("/report", "/report/**")).isFalse();
    }
}
