package eddy.compat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import software.amazon.kinesis.coordinator.Scheduler;

/**
 * Runs KCL workers (Schedulers) in this JVM as the test on standard input tells it, one command a
 * line:
 *
 * <pre>
 *   start NAME   build a Scheduler with worker id NAME and run it on its own thread
 *   stop NAME    graceful shutdown (startGracefulShutdown), then wait for its thread
 *   quit         stop every worker still running (not gracefully) and exit; so does end of input
 * </pre>
 *
 * Answers with events (Events): ready, started, stopped, error.
 */
public final class Driver {
  /** Builds one worker. */
  public interface WorkerFactory {
    Scheduler create(String workerId) throws Exception;
  }

  private Driver() {}

  public static void run(WorkerFactory factory) throws Exception {
    Map<String, Scheduler> schedulers = new LinkedHashMap<>();
    Map<String, Thread> threads = new LinkedHashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Events.emit("ready");
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.trim().split("\\s+");
      if (words.length == 0 || words[0].isEmpty()) continue;
      try {
        switch (words[0]) {
          case "start" -> {
            String name = words[1];
            Scheduler scheduler = factory.create(name);
            Thread thread = new Thread(scheduler, "scheduler-" + name);
            thread.setDaemon(true);
            thread.start();
            schedulers.put(name, scheduler);
            threads.put(name, thread);
            Events.emit("started", "worker", name);
          }
          case "stop" -> {
            String name = words[1];
            long begin = System.nanoTime();
            Future<Boolean> done = schedulers.get(name).startGracefulShutdown();
            boolean ok = done.get(120, TimeUnit.SECONDS);
            threads.get(name).join(60_000);
            Events.emit("stopped", "worker", name, "graceful", ok,
                "millis", (System.nanoTime() - begin) / 1_000_000,
                "thread_alive", threads.get(name).isAlive());
            schedulers.remove(name);
            threads.remove(name);
          }
          case "quit" -> {
            quit(schedulers);
            return;
          }
          default -> Events.emit("error", "message", "unknown command: " + line);
        }
      } catch (Exception e) {
        Events.emit("error", "message", line + ": " + e);
      }
    }
    quit(schedulers);
  }

  private static void quit(Map<String, Scheduler> schedulers) {
    for (Scheduler s : schedulers.values()) {
      s.shutdown();
    }
    Events.emit("bye");
    System.exit(0);
  }
}
