/** Wiring shared by several features: the web server's settings. Nothing depends on this package. */
package io.cangku.config;
