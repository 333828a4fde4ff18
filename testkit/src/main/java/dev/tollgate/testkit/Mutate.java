package dev.tollgate.testkit;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Mutations of valid inputs: a valid token, header or file changed a little, so that it passes the first checks
 * of a parser and reaches the deep ones a random string never does. Each call applies one to three changes chosen
 * at random from those that fit the input's shape: bytes and text (bit flips, truncation, insertion of
 * {@linkplain Gen#TROUBLE troublemakers}, duplicated or swapped runs), JSON (members removed, renamed, duplicated,
 * given values of other types or at the edges, deep nesting), compact JWS (segments swapped, dropped, padded,
 * re-encoded in the other base64 alphabet or with non-canonical trailing bits, header or claims mutated, signature
 * damaged; or, with a {@link Signer}, hostile JSON signed validly), YAML (lines deleted, duplicated, swapped,
 * re-indented, values replaced, anchors and aliases) and urlencoded forms (fields dropped, repeated, swapped,
 * badly escaped). Stateless; thread-safe.
 */
public final class Mutate {

    /** Signs a JWS header and payload as they are (any bytes), giving the compact serialization. */
    @FunctionalInterface
    public interface Signer {
        String sign(byte[] header, byte[] payload);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();
    private static final byte[] TROUBLE_BYTES = {0, (byte) 0xff, 0x7f, (byte) 0x80, (byte) 0xc0, (byte) 0xc3,
        (byte) 0xed, (byte) 0xa0, '"', '\\', '{', '}', '[', ']', ',', ':', '.', '=', '\n', ' '};
    private static final List<String> HEADER_TROUBLE = List.of("alg", "kid", "typ", "crit", "zip", "b64", "jku",
            "jwk", "x5u", "x5c", "cty", "enc");
    private static final List<String> ALGORITHMS = List.of("none", "None", "HS256", "RS256", "ES256", "ES384",
            "EdDSA", "Ed25519", "PS256", "", "eddsa");
    private static final Pattern YAML_KEY = Pattern.compile("^(\\s*(?:- )?)([A-Za-z][A-Za-z0-9_-]*):(.*)$");
    private static final List<String> YAML_VALUES = List.of("~", "null", "''", "[]", "{}", "[a, b]", "*a", "&a x",
            "!!binary AAAA", "!!float 1", "0", "-1", "-5s", "0s", "10x", "999999h", "1ms", "25h", "31d", "-0.05",
            "0.0000001", "1e3", "$", "0.05 EUR", "0.05 XXX", "1e309", "9223372036854775807", "true", "yes", "per-clik",
            "http://example.com", "https://", "ftp://x", "/", "//", "**", "*.mp4", "/a/{x}/**", "/a/**/b", "[GET]",
            "[OPTIONS]", "[scrip, payword]", "[payword]", "-1KiB", "0B", "1 MiB", "1ZiB", "${NOPE}", "${x:-y}", "|",
            ">", "\"\\u0000\"", "'a'", "\"\"\"", "?", "---", "...");

    private Mutate() {
    }

    // ------------------------------------------------------------------ bytes and text

    /** One to three byte-level changes of {@code valid}. */
    public static byte[] bytes(byte[] valid, Random random) {
        byte[] out = valid;
        for (int n = count(random); n > 0; n--) {
            out = byteOnce(out, random);
        }
        return out;
    }

    /** One to three character-level changes of {@code valid}. */
    public static String text(String valid, Random random) {
        String out = valid;
        for (int n = count(random); n > 0; n--) {
            out = textOnce(out, random);
        }
        return out;
    }

    private static int count(Random random) {
        return random.nextInt(3) == 0 ? 2 + random.nextInt(2) : 1;
    }

    private static byte[] byteOnce(byte[] in, Random random) {
        if (in.length == 0) {
            return Gen.bytes(random, 8);
        }
        int at = random.nextInt(in.length);
        byte[] out;
        switch (random.nextInt(8)) {
            case 0 -> {
                out = in.clone();
                out[at] ^= (byte) (1 << random.nextInt(8));
            }
            case 1 -> {
                out = in.clone();
                out[at] = TROUBLE_BYTES[random.nextInt(TROUBLE_BYTES.length)];
            }
            case 2 -> out = splice(in, at, Math.min(in.length, at + 1 + random.nextInt(8)), new byte[0]);
            case 3 -> out = java.util.Arrays.copyOf(in, at);
            case 4 -> out = splice(in, at, at, Gen.trouble(random).getBytes(StandardCharsets.UTF_8));
            case 5 -> {
                int end = Math.min(in.length, at + 1 + random.nextInt(16));
                out = splice(in, end, end, java.util.Arrays.copyOfRange(in, at, end));
            }
            case 6 -> {
                out = in.clone();
                int other = random.nextInt(in.length);
                byte b = out[at];
                out[at] = out[other];
                out[other] = b;
            }
            default -> out = splice(in, at, at, Gen.bytes(random, 4));
        }
        return out;
    }

    private static String textOnce(String in, Random random) {
        if (in.isEmpty()) {
            return Gen.string(random, 8);
        }
        int at = random.nextInt(in.length());
        switch (random.nextInt(11)) {
            case 0 -> {
                char c = (char) (in.charAt(at) ^ (1 << random.nextInt(in.charAt(at) < 0x80 ? 7 : 16)));
                return in.substring(0, at) + c + in.substring(at + 1);
            }
            case 1 -> {
                return in.substring(0, at) + Gen.anyChar(random) + in.substring(at + 1);
            }
            case 2 -> {
                int end = Math.min(in.length(), at + 1 + (random.nextBoolean() ? random.nextInt(4)
                        : random.nextInt(in.length() - at)));
                return in.substring(0, at) + in.substring(end);
            }
            case 3 -> {
                int end = Math.min(in.length(), at + 1 + random.nextInt(16));
                return in.substring(0, end) + in.substring(at, end) + in.substring(end);
            }
            case 4 -> {
                return in.substring(0, at) + Gen.trouble(random) + in.substring(at);
            }
            case 5 -> {
                return in.substring(0, at);
            }
            case 6 -> {
                int other = random.nextInt(in.length());
                char[] chars = in.toCharArray();
                chars[at] = in.charAt(other);
                chars[other] = in.charAt(at);
                return new String(chars);
            }
            case 7 -> {
                char c = in.charAt(at);
                char flipped = Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
                return in.substring(0, at) + flipped + in.substring(at + 1);
            }
            case 8 -> {
                Matcher number = Pattern.compile("-?[0-9]+").matcher(in);
                List<int[]> spans = new ArrayList<>();
                while (number.find()) {
                    spans.add(new int[] {number.start(), number.end()});
                }
                if (spans.isEmpty()) {
                    return in + Gen.string(random, 6);
                }
                int[] span = spans.get(random.nextInt(spans.size()));
                return in.substring(0, span[0]) + Gen.edgyLong(random) + in.substring(span[1]);
            }
            case 9 -> {
                return in + Gen.string(random, 12);
            }
            default -> {
                return in.substring(0, at) + Gen.string(random, 6) + in.substring(at);
            }
        }
    }

    private static byte[] splice(byte[] in, int from, int to, byte[] insert) {
        byte[] out = new byte[in.length - (to - from) + insert.length];
        System.arraycopy(in, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(in, to, out, from + insert.length, in.length - to);
        return out;
    }

    // ------------------------------------------------------------------ JSON

    /** One to three changes of a JSON document; mostly to its structure, sometimes to its text. */
    public static String json(String valid, Random random) {
        String out = valid;
        for (int n = count(random); n > 0; n--) {
            out = random.nextInt(5) == 0 ? textOnce(out, random) : jsonOnce(out, random);
        }
        return out;
    }

    private static String jsonOnce(String in, Random random) {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            return textOnce(in, random);
        }
        if (root == null || !root.isContainerNode()) {
            return random.nextBoolean() ? troubleNode(random).toString() : textOnce(in, random);
        }
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode parent = containers.get(random.nextInt(containers.size()));
        if (parent.isObject()) {
            ObjectNode object = (ObjectNode) parent;
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            if (names.isEmpty() || random.nextInt(6) == 0) {
                object.set(names.isEmpty() || random.nextBoolean() ? Gen.string(random, 10)
                        : Gen.oneOf(random, names) + Gen.oneOf(random, "", "_", "2", " "), troubleNode(random));
                return write(root);
            }
            String name = Gen.oneOf(random, names);
            switch (random.nextInt(6)) {
                case 0 -> object.remove(name);
                case 1 -> {
                    JsonNode value = object.remove(name);
                    object.set(Gen.oneOf(random, name.toUpperCase(java.util.Locale.ROOT), name + " ", "",
                            name.isEmpty() ? "x" : name.substring(1), Gen.string(random, 8)), value);
                }
                case 2 -> {
                    // A duplicate member: Jackson's tree cannot hold one, so it is written into the text.
                    String text = write(root);
                    String key = "\"" + name + "\":";
                    int at = text.indexOf(key);
                    return at < 0 ? text : text.substring(0, at) + key + troubleNode(random) + "," + text.substring(at);
                }
                case 3 -> object.set(name, change(object.get(name), random));
                default -> object.set(name, troubleNode(random));
            }
        } else {
            ArrayNode array = (ArrayNode) parent;
            if (array.isEmpty() || random.nextInt(4) == 0) {
                array.add(troubleNode(random));
            } else {
                int index = random.nextInt(array.size());
                switch (random.nextInt(3)) {
                    case 0 -> array.remove(index);
                    case 1 -> array.set(index, change(array.get(index), random));
                    default -> array.insert(index, array.get(index).deepCopy());
                }
            }
        }
        return write(root);
    }

    private static void collect(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode()) {
            containers.add(node);
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                collect(it.next(), containers);
            }
        }
    }

    /** A value changed in kind or at an edge: text mutated, numbers moved, the value wrapped or turned to text. */
    private static JsonNode change(JsonNode value, Random random) {
        if (value.isTextual() && random.nextInt(3) > 0) {
            return NODES.textNode(textOnce(value.textValue(), random));
        }
        if (value.isNumber() && random.nextBoolean()) {
            return random.nextBoolean() ? NODES.numberNode(Gen.edgyLong(random)) : NODES.textNode(value.asText());
        }
        if (value.isTextual() && value.textValue().matches("-?[0-9]{1,18}")) {
            return NODES.numberNode(Long.parseLong(value.textValue()));
        }
        return switch (random.nextInt(3)) {
            case 0 -> NODES.arrayNode().add(value);
            case 1 -> NODES.objectNode().set("value", value);
            default -> troubleNode(random);
        };
    }

    private static JsonNode troubleNode(Random random) {
        return switch (random.nextInt(16)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(Gen.edgyLong(random));
            case 3 -> NODES.numberNode(new BigInteger("18446744073709551616"));
            case 4 -> NODES.numberNode(Gen.oneOf(random, 0.5, -0.0, 1e308, 4.9e-324));
            case 5 -> NODES.arrayNode();
            case 6 -> NODES.objectNode();
            case 7 -> nested(random, 10 + random.nextInt(60));
            case 8 -> NODES.textNode("x".repeat(random.nextInt(20_000)));
            default -> NODES.textNode(Gen.string(random, 40));
        };
    }

    private static JsonNode nested(Random random, int depth) {
        JsonNode node = NODES.numberNode(1);
        for (int i = 0; i < depth; i++) {
            node = random.nextBoolean() ? NODES.arrayNode().add(node) : NODES.objectNode().set("a", node);
        }
        return node;
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ compact JWS

    /**
     * One to three changes of a compact JWS that do not re-sign it: the signature no longer covers what was changed,
     * unless the change is one a strict reader must refuse anyway (padding, the other alphabet, non-canonical bits).
     */
    public static String jws(String valid, Random random) {
        String out = valid;
        for (int n = count(random); n > 0; n--) {
            out = jwsOnce(out, random);
        }
        return out;
    }

    /**
     * A JWS whose header or payload (mostly the payload) was changed as bytes or JSON and then signed anew by
     * {@code signer}: a valid signature over hostile content, which only a signing key's holder (the broker, a
     * buyer) could make, and which reaches the checks that run after the signature.
     */
    public static String signedJws(String valid, Random random, Signer signer) {
        String[] parts = valid.split("\\.", -1);
        byte[] header = decodeLenient(parts[0]);
        byte[] payload = decodeLenient(parts.length > 1 ? parts[1] : "");
        if (random.nextInt(4) == 0) {
            header = random.nextBoolean() ? headerTrouble(header, random) : mutateJsonBytes(header, random);
        } else {
            payload = mutateJsonBytes(payload, random);
        }
        return signer.sign(header, payload);
    }

    /** The compact serialization of a header, a payload and a signature, each as unpadded base64url. */
    public static String compact(byte[] header, byte[] payload, byte[] signature) {
        return B64URL.encodeToString(header) + "." + B64URL.encodeToString(payload) + "."
                + B64URL.encodeToString(signature);
    }

    private static byte[] mutateJsonBytes(byte[] json, Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> bytes(json, random);
            case 1 -> (new String(json, StandardCharsets.UTF_8) + Gen.oneOf(random, " ", "\n", "{}", "x", "1", ","
                    , "\u0000")).getBytes(StandardCharsets.UTF_8);
            default -> json(new String(json, StandardCharsets.UTF_8), random).getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] headerTrouble(byte[] header, Random random) {
        try {
            JsonNode node = JSON.readTree(header);
            if (!(node instanceof ObjectNode object)) {
                return bytes(header, random);
            }
            String name = Gen.oneOf(random, HEADER_TROUBLE);
            switch (name) {
                case "alg" -> object.put("alg", Gen.oneOf(random, ALGORITHMS));
                case "crit" -> object.set("crit", NODES.arrayNode().add(Gen.oneOf(random, "b64", "exp", "x")));
                case "b64" -> object.put("b64", false);
                case "zip" -> object.put("zip", "DEF");
                case "jwk", "x5c" -> object.set(name, NODES.objectNode().put("kty", "OKP"));
                default -> object.set(name, random.nextBoolean() ? troubleNode(random)
                        : NODES.textNode(Gen.string(random, 20)));
            }
            return JSON.writeValueAsBytes(object);
        } catch (java.io.IOException e) {
            return bytes(header, random);
        }
    }

    private static String jwsOnce(String in, Random random) {
        List<String> parts = new ArrayList<>(List.of(in.split("\\.", -1)));
        int at = random.nextInt(parts.size());
        String part = parts.get(at);
        switch (random.nextInt(14)) {
            case 0 -> {
                int other = random.nextInt(parts.size());
                parts.set(at, parts.get(other));
                parts.set(other, part);
            }
            case 1 -> parts.remove(at);
            case 2 -> parts.add(at, random.nextBoolean() ? part : "");
            case 3 -> parts.set(at, "");
            case 4 -> parts.set(at, part + "=".repeat(1 + random.nextInt(2)));
            case 5 -> parts.set(at, part.replace('-', '+').replace('_', '/'));
            case 6 -> parts.set(at, nonCanonical(part, random));
            case 7, 8 -> {
                byte[] decoded = decodeLenient(part);
                byte[] changed = at == 0 && random.nextBoolean() ? headerTrouble(decoded, random)
                        : mutateJsonBytes(decoded, random);
                parts.set(at, random.nextInt(5) == 0 ? Base64.getUrlEncoder().encodeToString(changed)
                        : B64URL.encodeToString(changed));
            }
            case 9 -> {
                byte[] signature = decodeLenient(parts.get(parts.size() - 1));
                parts.set(parts.size() - 1, B64URL.encodeToString(bytes(signature, random)));
            }
            case 10 -> {
                int cut = part.isEmpty() ? 0 : random.nextInt(part.length());
                parts.set(at, part.substring(0, cut) + Gen.oneOf(random, " ", "\n", "\r\n", "\t") + part.substring(cut));
            }
            case 11 -> parts.set(at, Base64.getUrlEncoder().encodeToString(decodeLenient(part)));
            case 12 -> {
                return textOnce(in, random);
            }
            default -> parts.set(at, textOnce(part, random));
        }
        return String.join(".", parts);
    }

    /** The same bytes with the unused bits of the last character set: a second spelling of one segment. */
    private static String nonCanonical(String segment, Random random) {
        int unused = switch (segment.length() % 4) {
            case 2 -> 0x0f;
            case 3 -> 0x03;
            default -> 0;
        };
        if (unused == 0 || segment.isEmpty()) {
            return segment + "A";
        }
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = alphabet.indexOf(segment.charAt(segment.length() - 1));
        if (last < 0) {
            return segment;
        }
        int bits = 1 + random.nextInt(unused);
        return segment.substring(0, segment.length() - 1) + alphabet.charAt((last & ~unused) | (bits & unused));
    }

    private static byte[] decodeLenient(String segment) {
        try {
            String clean = segment.replace('+', '-').replace('/', '_').replace("=", "").strip();
            return B64URL_DECODER.decode(clean.length() % 4 == 1 ? clean.substring(0, clean.length() - 1) : clean);
        } catch (IllegalArgumentException e) {
            return segment.getBytes(StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------ YAML

    /**
     * One to three changes of a YAML file: lines deleted, duplicated, swapped, re-indented, cut, or a key renamed,
     * a value replaced (by types and edges a config check must refuse, anchors, aliases, tags), a known key added
     * elsewhere; sometimes a change to the text of a line.
     */
    public static String yaml(String valid, Random random) {
        List<String> lines = new ArrayList<>(List.of(valid.split("\n", -1)));
        List<String> keys = new ArrayList<>();
        for (String line : lines) {
            Matcher m = YAML_KEY.matcher(line);
            if (m.matches()) {
                keys.add(m.group(2));
            }
        }
        for (int n = count(random); n > 0 && !lines.isEmpty(); n--) {
            int at = random.nextInt(lines.size());
            String line = lines.get(at);
            Matcher m = YAML_KEY.matcher(line);
            switch (random.nextInt(10)) {
                case 0 -> lines.remove(at);
                case 1 -> lines.add(at, line);
                case 2 -> {
                    int other = random.nextInt(lines.size());
                    lines.set(at, lines.get(other));
                    lines.set(other, line);
                }
                case 3 -> lines.set(at, Gen.oneOf(random, "  ", " ", "\t", "") + (random.nextBoolean() ? line
                        : line.stripLeading()));
                case 4 -> lines.subList(at, lines.size()).clear();
                case 5 -> lines.set(at, m.matches() ? m.group(1) + Gen.oneOf(random, keys) + ":" + m.group(3)
                        : textOnce(line, random));
                case 6, 7 -> lines.set(at, m.matches() ? m.group(1) + m.group(2) + ": " + yamlValue(random)
                        : textOnce(line, random));
                case 8 -> lines.add(at, line.substring(0, line.length() - line.stripLeading().length())
                        + (keys.isEmpty() ? "x" : Gen.oneOf(random, keys)) + ": " + yamlValue(random));
                default -> lines.set(at, textOnce(line, random));
            }
        }
        return String.join("\n", lines);
    }

    private static String yamlValue(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> Gen.string(random, 16);
            case 1 -> "'" + Gen.trouble(random).replace("'", "''") + "'";
            default -> Gen.oneOf(random, YAML_VALUES);
        };
    }

    // ------------------------------------------------------------------ forms

    /**
     * One to three changes of an {@code application/x-www-form-urlencoded} body: fields dropped, repeated, emptied,
     * swapped, given troublemaker values (escaped or raw, so also bad escapes), or the text changed.
     */
    public static String form(Map<String, String> valid, Random random) {
        List<String[]> fields = new ArrayList<>();
        valid.forEach((name, value) -> fields.add(new String[] {encode(name), encode(value)}));
        boolean text = false;
        for (int n = count(random); n > 0; n--) {
            int at = fields.isEmpty() ? 0 : random.nextInt(fields.size());
            switch (random.nextInt(fields.isEmpty() ? 1 : 8)) {
                case 0 -> fields.add(new String[] {random.nextBoolean() ? Gen.oneOf(random, new ArrayList<>(
                        valid.keySet().isEmpty() ? List.of("x") : valid.keySet())) : encode(Gen.string(random, 8)),
                    encode(Gen.string(random, 40))});
                case 1 -> fields.remove(at);
                case 2 -> fields.add(fields.get(at).clone());
                case 3 -> fields.get(at)[1] = "";
                case 4 -> fields.get(at)[1] = random.nextBoolean() ? encode(Gen.trouble(random)) : Gen.trouble(random);
                case 5 -> {
                    int other = random.nextInt(fields.size());
                    String value = fields.get(at)[1];
                    fields.get(at)[1] = fields.get(other)[1];
                    fields.get(other)[1] = value;
                }
                case 6 -> fields.get(at)[1] = textOnce(fields.get(at)[1], random);
                default -> text = true;
            }
        }
        StringBuilder body = new StringBuilder();
        for (String[] field : fields) {
            body.append(body.length() == 0 ? "" : "&").append(field[0]).append(random.nextInt(20) == 0 ? "" : "=")
                    .append(field[1]);
        }
        return text ? textOnce(body.toString(), random) : body.toString();
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
