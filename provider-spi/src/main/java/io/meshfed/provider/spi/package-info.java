/**
 * The interface every source of machines implements (one module per cloud), the types it speaks,
 * and the {@code static} provider for hosts the user brings.
 */
package io.meshfed.provider.spi;
