package dev.tollgate.buyer;

import java.net.URI;
import java.nio.file.Path;

/** {@link Shop} for the tests of the {@code cli} package. */
public final class ShopForCli implements AutoCloseable {

    private final Shop shop;

    private ShopForCli(Shop shop) {
        this.shop = shop;
    }

    public static ShopForCli start(Path dir) throws Exception {
        return new ShopForCli(Shop.start(dir));
    }

    public String apiKey() {
        return shop.apiKey;
    }

    public URI broker() {
        return shop.broker.baseUri();
    }

    public URI url(String path) {
        return shop.url(path);
    }

    public static byte[] file(int length) {
        return Shop.file(length);
    }

    @Override
    public void close() throws Exception {
        shop.close();
    }
}
