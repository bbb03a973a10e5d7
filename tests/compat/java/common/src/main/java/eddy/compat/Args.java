package eddy.compat;

import java.util.HashMap;
import java.util.Map;

/** "--name value" pairs from the command line. */
public final class Args {
  private final Map<String, String> values = new HashMap<>();

  public Args(String[] args) {
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --name: " + args[i]);
      values.put(args[i].substring(2), args[i + 1]);
    }
  }

  public String get(String name) {
    String v = values.get(name);
    if (v == null) throw new IllegalArgumentException("missing --" + name);
    return v;
  }

  public String get(String name, String otherwise) {
    return values.getOrDefault(name, otherwise);
  }

  public long getLong(String name, long otherwise) {
    String v = values.get(name);
    return v == null ? otherwise : Long.parseLong(v);
  }
}
