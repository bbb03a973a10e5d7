package eddy.compat;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

/**
 * One JSON object per line on standard output, each starting with "EVENT ", for the pytest driver
 * (tests/compat/test_kcl.py) to read. KCL's own logging goes to standard error.
 *
 * <p>Thread-safety: emit may be called from any thread; each line is written whole.
 */
public final class Events {
  private static final PrintStream OUT =
      new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
          StandardCharsets.UTF_8);

  private Events() {}

  /** Writes {"event": type, k1: v1, ...}; values are String, Number, Boolean, null, Collection or Map. */
  public static void emit(String type, Object... keysAndValues) {
    StringBuilder sb = new StringBuilder("EVENT {\"event\":");
    quote(sb, type);
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      sb.append(',');
      quote(sb, String.valueOf(keysAndValues[i]));
      sb.append(':');
      value(sb, keysAndValues[i + 1]);
    }
    sb.append('}');
    synchronized (OUT) {
      OUT.println(sb);
      OUT.flush();
    }
  }

  private static void value(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Map<?, ?> map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) sb.append(',');
        first = false;
        quote(sb, String.valueOf(e.getKey()));
        sb.append(':');
        value(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof Collection<?> list) {
      sb.append('[');
      boolean first = true;
      for (Object o : list) {
        if (!first) sb.append(',');
        first = false;
        value(sb, o);
      }
      sb.append(']');
    } else {
      quote(sb, v.toString());
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
