package dev.tollgate.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class PathPatternTest {

    @Test
    void exactPathMatchesItselfWithOrWithoutATrailingSlash() {
        PathPattern pattern = PathPattern.compile("/about");
        assertThat(pattern.kind()).isEqualTo(PathPattern.Kind.EXACT);
        assertThat(pattern.matches("/about")).isTrue();
        assertThat(pattern.matches("/about/")).isTrue();
        assertThat(pattern.matches("/aboutx")).isFalse();
        assertThat(pattern.matches("/about/x")).isFalse();
        assertThat(PathPattern.compile("/docs/").matches("/docs")).isTrue();
    }

    @Test
    void doubleStarSuffixMatchesTheFolderAndEverythingBelow() {
        PathPattern pattern = PathPattern.compile("/articles/**");
        assertThat(pattern.kind()).isEqualTo(PathPattern.Kind.PREFIX);
        assertThat(pattern.matches("/articles")).isTrue();
        assertThat(pattern.matches("/articles/")).isTrue();
        assertThat(pattern.matches("/articles/a/b/c")).isTrue();
        assertThat(pattern.matches("/articlesX")).isFalse();
        assertThat(pattern.matches("/other/articles/a")).isFalse();
    }

    @Test
    void extensionMatchesInAnyFolderButOnlyInTheLastSegment() {
        PathPattern pattern = PathPattern.compile("*.mp4");
        assertThat(pattern.kind()).isEqualTo(PathPattern.Kind.EXTENSION);
        assertThat(pattern.matches("/v.mp4")).isTrue();
        assertThat(pattern.matches("/videos/deep/v.mp4")).isTrue();
        assertThat(pattern.matches("/v.mp4/index.html")).isFalse();
        assertThat(pattern.matches("/v.mp3")).isFalse();
    }

    @Test
    void singleStarStaysWithinOneSegment() {
        PathPattern pattern = PathPattern.compile("/videos/*.mp4");
        assertThat(pattern.kind()).isEqualTo(PathPattern.Kind.GLOB);
        assertThat(pattern.matches("/videos/a.mp4")).isTrue();
        assertThat(pattern.matches("/videos/a/b.mp4")).isFalse();
    }

    @Test
    void doubleStarInTheMiddleMatchesZeroOrMoreSegments() {
        PathPattern pattern = PathPattern.compile("/a/**/z");
        assertThat(pattern.matches("/a/z")).isTrue();
        assertThat(pattern.matches("/a/b/c/z")).isTrue();
        assertThat(pattern.matches("/a/b/c/zz")).isFalse();
    }

    @Test
    void aGlobChecksItsLiteralEndsAndItsMiddle() {
        PathPattern pattern = PathPattern.compile("/a/*/b*.html");
        assertThat(pattern.matches("/a/x/b1.html")).isTrue();
        assertThat(pattern.matches("/z/x/b1.html")).isFalse();
        assertThat(pattern.matches("/a/x/b1.htm")).isFalse();
        assertThat(pattern.matches("/a/x/y/b1.html")).isFalse();
        assertThat(pattern.matches("/a/x/c.html")).isFalse();
    }

    @Test
    void regexCharactersInLiteralsAreLiteral() {
        PathPattern pattern = PathPattern.compile("/a.b/*+(x)");
        assertThat(pattern.matches("/a.b/q+(x)")).isTrue();
        assertThat(pattern.matches("/aXb/q+(x)")).isFalse();
    }

    @Test
    void slashDoubleStarMatchesEverything() {
        PathPattern pattern = PathPattern.compile("/**");
        assertThat(pattern.matches("/")).isTrue();
        assertThat(pattern.matches("/x/y")).isTrue();
    }

    @Test
    void rejectsMalformedGlobsWithAReason() {
        assertThatThrownBy(() -> PathPattern.compile("articles/**")).hasMessageContaining("must start with /");
        assertThatThrownBy(() -> PathPattern.compile("/a**")).hasMessageContaining("whole segment");
        assertThatThrownBy(() -> PathPattern.compile("/a//b")).hasMessageContaining("empty segment");
        assertThatThrownBy(() -> PathPattern.compile("/a/../b")).hasMessageContaining("'..' segment");
        assertThatThrownBy(() -> PathPattern.compile("/a?")).hasMessageContaining("only * and ** are wildcards");
        assertThatThrownBy(() -> PathPattern.compile("*.")).hasMessageContaining("extension pattern");
        assertThatThrownBy(() -> PathPattern.compile("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> PathPattern.compile("/a b")).hasMessageContaining("\\u0020");
    }

    @Test
    void knowsWhenAnEarlierPatternCoversALaterOne() {
        assertThat(PathPattern.compile("/articles/x").coveredBy(PathPattern.compile("/articles/**"))).isTrue();
        assertThat(PathPattern.compile("/articles/x*/**").coveredBy(PathPattern.compile("/articles/**"))).isTrue();
        assertThat(PathPattern.compile("/videos/*.mp4").coveredBy(PathPattern.compile("*.mp4"))).isTrue();
        assertThat(PathPattern.compile("/anything").coveredBy(PathPattern.compile("/**"))).isTrue();
        assertThat(PathPattern.compile("/articles/**").coveredBy(PathPattern.compile("/articles/x"))).isFalse();
        assertThat(PathPattern.compile("/art*/x").coveredBy(PathPattern.compile("/articles/**"))).isFalse();
        assertThat(PathPattern.compile("/videos/**").coveredBy(PathPattern.compile("*.mp4"))).isFalse();
    }
}
