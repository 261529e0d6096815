package io.cangku.api;

import java.io.IOException;

/** Reading the client's request body failed: it disconnected or sent fewer bytes than it declared. */
class ClientBodyException extends IOException {


    ClientBodyException(IOException cause) {
        super("the request body could not be read to its end: " + cause.getMessage(), cause);
    }
}
