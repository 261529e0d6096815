/** The embedded default backend: objects as files under one root directory, written by temp file and atomic rename. */
package io.cangku.storage.filesystem;
