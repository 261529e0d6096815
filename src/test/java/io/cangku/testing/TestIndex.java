package io.cangku.testing;

import java.util.ArrayList;
import java.util.List;

/** A multi-platform OCI image index made by {@link TestImages}, with the images it lists. */
public record TestIndex(TestBlob index, List<TestImage> images) {

    public TestIndex {
        images = List.copyOf(images);
    }

    /** The image for one architecture; fails if the index has none. */
    public TestImage image(String architecture) {
        return images.stream().filter(image -> image.architecture().equals(architecture)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + architecture + " image in " + this));
    }

    /** Every blob the index reaches, the index itself last. */
    public List<TestBlob> blobs() {
        List<TestBlob> blobs = new ArrayList<>();
        images.forEach(image -> blobs.addAll(image.blobs()));
        blobs.add(index);
        return blobs;
    }
}
