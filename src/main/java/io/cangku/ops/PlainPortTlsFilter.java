package io.cangku.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Turns Tomcat's report of a request it could not parse (an INFO line with a stack trace, from
 * {@code Http11Processor}) into one short line. The usual cause is a client speaking TLS to the plain-HTTP
 * port: its ClientHello starts with the byte 0x16, which Tomcat shows as {@code [0x16...]} in the method name.
 * Tomcat itself logs only the first such failure per day at INFO (later ones at DEBUG), which bounds what a
 * client can make the log hold.
 */
final class PlainPortTlsFilter extends TurboFilter {

    static final String TOMCAT_LOGGER = "org.apache.coyote.http11.Http11Processor";
    private static final org.slf4j.Logger log = LoggerFactory.getLogger("io.cangku.access");

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (t == null || !TOMCAT_LOGGER.equals(logger.getName()) || !(t instanceof IllegalArgumentException)) {
            return FilterReply.NEUTRAL;
        }
        String message = String.valueOf(t.getMessage());
        if (message.contains("[0x16")) {
            log.info("a client spoke TLS (https://) to this plain-HTTP port; answered 400. Use http://, "
                    + "or serve HTTPS with server.ssl.* (see README, Operations)");
        } else {
            log.info("an HTTP request could not be parsed; answered 400: {}",
                    message.length() > 160 ? message.substring(0, 160) + "…" : message);
        }
        return FilterReply.DENY;
    }
}
