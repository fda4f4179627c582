package io.meshfed.operator.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.function.Function;

/**
 * Bodies of the agent API are read as their OpenAPI document types them: a number where text
 * belongs (or text where a number does) is a 400, not coerced; a whole number written 3.0 is still
 * a whole number (JSON Schema's integer), 3.5 is not, nor one past the type's range.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {
  @Override
  public void customize(ObjectMapper mapper) {
    mapper
        .coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    mapper
        .coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    SimpleModule wholeNumbers = new SimpleModule("meshfed-whole-numbers");
    wholeNumbers.addDeserializer(Long.class, new Whole<>(BigDecimal::longValueExact, null));
    wholeNumbers.addDeserializer(long.class, new Whole<>(BigDecimal::longValueExact, 0L));
    wholeNumbers.addDeserializer(Integer.class, new Whole<>(BigDecimal::intValueExact, null));
    wholeNumbers.addDeserializer(int.class, new Whole<>(BigDecimal::intValueExact, 0));
    mapper.registerModule(wholeNumbers);
  }

  /**
   * A JSON number that is whole and fits, as {@code exact} converts it; anything else fails. A null
   * is {@code ifNull}: absent for a boxed field, zero for a primitive one, as Jackson reads them by
   * default.
   */
  static final class Whole<T> extends JsonDeserializer<T> {
    private final Function<BigDecimal, T> exact;
    private final T ifNull;

    Whole(Function<BigDecimal, T> exact, T ifNull) {
      this.exact = exact;
      this.ifNull = ifNull;
    }

    @Override
    public T getNullValue(DeserializationContext ctxt) {
      return ifNull;
    }

    @Override
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken token = p.currentToken();
      if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
        return unexpected(p, ctxt, "a whole number");
      }
      try {
        return exact.apply(p.getDecimalValue());
      } catch (ArithmeticException e) {
        return unexpected(p, ctxt, "a whole number in range, not " + p.getText());
      }
    }

    @SuppressWarnings("unchecked")
    private T unexpected(JsonParser p, DeserializationContext ctxt, String expected)
        throws IOException {
      return (T)
          ctxt.handleUnexpectedToken(Long.class, p.currentToken(), p, "expected " + expected);
    }
  }
}
