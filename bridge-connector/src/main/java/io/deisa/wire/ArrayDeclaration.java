package io.deisa.wire;

import io.deisa.bridge.ArrayMetadata;

/**
 * An array as one bridge declares it: its name and the metadata of the chunk that bridge owns.
 *
 * @param name the array name
 * @param metadata the chunk metadata
 */
public record ArrayDeclaration(String name, ArrayMetadata metadata) {}
