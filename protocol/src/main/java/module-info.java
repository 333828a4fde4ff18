/** What buyer, seller and broker share on the wire: money, x402 headers and their codec, scrip claims, PayWord. */
module dev.tollgate.protocol {
    requires transitive com.fasterxml.jackson.databind; // JacksonBuffers hands out Jackson builders

    exports dev.tollgate.protocol;
    opens dev.tollgate.protocol to com.fasterxml.jackson.databind; // the x402 records are read and written by Jackson
}
