package io.meshfed.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageReferencesTest {
  @Test
  void imageReferencesAsRegistriesWriteThem() {
    assertThat(ImageReferences.valid("nginx")).isTrue();
    assertThat(ImageReferences.valid("nginx:1.27")).isTrue();
    assertThat(ImageReferences.valid("library/nginx:1.27-alpine")).isTrue();
    assertThat(ImageReferences.valid("198.19.0.1:5000/meshfed/agent:0.1.0")).isTrue();
    assertThat(ImageReferences.valid("localhost:5000/a_b/c__d/e-f:latest")).isTrue();
    assertThat(ImageReferences.valid("ghcr.io/org/app@sha256:" + "a".repeat(64))).isTrue();
    assertThat(ImageReferences.valid("Registry.Example.COM/app:v1")).isTrue();
  }

  @Test
  void nothingThatARuntimeCouldReadAsAnOption() {
    assertThat(ImageReferences.valid("--volume=/:/host")).isFalse();
    assertThat(ImageReferences.valid("-v")).isFalse();
    assertThat(ImageReferences.valid("nginx --privileged")).isFalse();
    assertThat(ImageReferences.valid("nginx:1.27\n--privileged")).isFalse();
    assertThat(ImageReferences.valid("Nginx")).as("paths are lower case").isFalse();
    assertThat(ImageReferences.valid("nginx:-x")).isFalse();
    assertThat(ImageReferences.valid("")).isFalse();
    assertThat(ImageReferences.valid(null)).isFalse();
    assertThat(ImageReferences.valid("a/" + "b".repeat(260))).isFalse();
  }
}
