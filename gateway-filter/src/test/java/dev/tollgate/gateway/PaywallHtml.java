package dev.tollgate.gateway;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.swing.text.MutableAttributeSet;
import javax.swing.text.html.HTML;
import javax.swing.text.html.HTMLEditorKit;
import javax.swing.text.html.parser.ParserDelegator;

/**
 * A built-in paywall page read by the JDK's HTML parser, as a browser would see its controls: the pay links
 * ({@code <a class="pay">}) and the forms with their hidden fields and button text.
 */
record PaywallHtml(List<Link> payLinks, List<Form> forms) {

    /** A pay link: its text and where it goes. */
    record Link(String text, String href) {
    }

    /** A form: its action, hidden fields in order, and its button's text. */
    record Form(String action, Map<String, String> fields, String button) {
    }

    static PaywallHtml parse(String html) throws IOException {
        List<Link> links = new ArrayList<>();
        List<Form> forms = new ArrayList<>();
        new ParserDelegator().parse(new StringReader(html), new HTMLEditorKit.ParserCallback() {
            private String href;
            private String action;
            private Map<String, String> fields;
            private boolean inButton;
            private final StringBuilder text = new StringBuilder();

            @Override
            public void handleStartTag(HTML.Tag tag, MutableAttributeSet attributes, int pos) {
                if (tag == HTML.Tag.A && "pay".equals(attributes.getAttribute(HTML.Attribute.CLASS))) {
                    href = (String) attributes.getAttribute(HTML.Attribute.HREF);
                    text.setLength(0);
                } else if (tag == HTML.Tag.FORM) {
                    action = (String) attributes.getAttribute(HTML.Attribute.ACTION);
                    fields = new LinkedHashMap<>();
                } else if (tag.toString().equals("button")) {
                    inButton = true;
                    text.setLength(0);
                }
            }

            @Override
            public void handleSimpleTag(HTML.Tag tag, MutableAttributeSet attributes, int pos) {
                if (tag == HTML.Tag.INPUT && fields != null) {
                    fields.put((String) attributes.getAttribute(HTML.Attribute.NAME),
                            (String) attributes.getAttribute(HTML.Attribute.VALUE));
                } else if (tag.toString().equals("button") && attributes.isDefined(HTML.Attribute.ENDTAG)) {
                    inButton = false; // the parser does not know <button>: its end tag comes as a simple tag
                    forms.add(new Form(action, fields, text.toString().trim()));
                } else if (tag.toString().equals("button")) {
                    inButton = true;
                    text.setLength(0);
                }
            }

            @Override
            public void handleText(char[] data, int pos) {
                if (href != null || inButton) {
                    text.append(data);
                }
            }

            @Override
            public void handleEndTag(HTML.Tag tag, int pos) {
                if (tag == HTML.Tag.A && href != null) {
                    links.add(new Link(text.toString().trim(), href));
                    href = null;
                } else if (tag == HTML.Tag.FORM) {
                    fields = null;
                }
            }
        }, true);
        return new PaywallHtml(links, forms);
    }
}
