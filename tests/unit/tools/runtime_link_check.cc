// Links the runtime half (runtime/ and everything it uses) without any module of the server
// half: if the runtime ever needed the server (storage, api/), this program would not link.
// Run by ctest, it also checks that the pieces it names are the ones `eddy worker` runs.
#include <cstdio>

#include "eddy/runtime/worker_runtime.h"

int main() {
  int (*run)(const eddy::runtime::WorkerRunOptions&) = &eddy::runtime::RunMultiLangWorkerUntilSignal;
  eddy::runtime::WorkerRunOptions options;
  std::printf("runtime half linked alone (%s); metrics port default %d\n",
              run != nullptr ? "RunMultiLangWorkerUntilSignal" : "missing", options.metrics_port);
  return run != nullptr && options.metrics_port < 0 ? 0 : 1;
}
