package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GlobTest {

    @Test
    void globsMatchAsTheConfigDocumentsThem() {
        assertThat(Glob.matches("/articles/**", "/articles")).isTrue();
        assertThat(Glob.matches("/articles/**", "/articles/a/b")).isTrue();
        assertThat(Glob.matches("/articles/**", "/articlesx")).isFalse();
        assertThat(Glob.matches("/articles/free-*", "/articles/free-welcome")).isTrue();
        assertThat(Glob.matches("/articles/free-*", "/articles/free-a/b")).isFalse();
        assertThat(Glob.matches("*.mp4", "/videos/a.mp4")).isTrue();
        assertThat(Glob.matches("*.mp4", "/videos/a.mp4x")).isFalse();
        assertThat(Glob.matches("/api/quote", "/api/quote")).isTrue();
        assertThat(Glob.matches("/api/quote", "/api/quotes")).isFalse();
        assertThat(Glob.matches("/a.b/*", "/aXb/c")).isFalse();
    }
}
