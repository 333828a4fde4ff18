package dev.tollgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

final class JacksonBuffersTest {

    @Test
    void aMapperParsingOnAnyThreadGivesItsRecyclerBackToTheSharedBoundedPool() throws Exception {
        ObjectMapper mapper = JacksonBuffers.jsonMapper().build();
        AtomicReference<JsonNode> parsed = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                parsed.set(mapper.readTree("{\"a\":[1,2,3]}"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        thread.start();
        thread.join();

        assertThat(parsed.get().path("a").size()).isEqualTo(3);
        assertThat(mapper.getFactory()._getRecyclerPool()).isSameAs(JacksonBuffers.pool());
        // Jackson's per-thread pool counts nothing (-1); a pool outside the threads holds the recycler given back.
        assertThat(JacksonBuffers.pool().pooledCount()).isBetween(1, JacksonBuffers.CAPACITY);
    }

    @Test
    void textWritesWhatToStringWrites() throws Exception {
        JsonNode node = new ObjectMapper()
                .readTree("{\"s\":\"quote \\\" \\u00e9 \\u2028\",\"n\":-12.5,\"l\":[null,true]}");

        assertThat(JacksonBuffers.text(node)).isEqualTo(node.toString());
    }
}
