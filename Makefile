# A thin front end over CMake presets (see CMakePresets.json). `make help` lists the targets.
EDDY := build/release/src/eddy/cli/eddy
JOBS ?= $(shell nproc)

.PHONY: help build run test test-release test-sanitizers crash bench peers fuzz format tidy clean

help:
	@echo "make build            optimized build (preset release) -> $(EDDY)"
	@echo "make run              build, then start eddy serve on 127.0.0.1:4566 (data in ./eddy-data)"
	@echo "make test             every test: release build (unit, integration, compat, crash) + ASan/UBSan build (unit)"
	@echo "make crash            only the crash tests (EDDY_CRASH_KILLS=N to change the kill count)"
	@echo "make bench            the shard-log, Kinesis, DynamoDB and consumer benchmarks recorded in"
	@echo "                      docs/BENCHMARKS.md"
	@echo "make peers            the same Kinesis workload against eddy, moto, kinesalite, kinesis-local"
	@echo "make fuzz             libFuzzer on the Kinesis request codec, the DynamoDB value codec and"
	@echo "                      the expression parsers, FUZZ_SECONDS each (clang)"
	@echo "make format | tidy    clang-format the sources | clang-tidy them"
	@echo "make clean            remove build/"

build:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

run: build
	$(EDDY) serve

test: test-release test-sanitizers

test-release: build
	ctest --preset release -j $(JOBS)

test-sanitizers:
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)
	ctest --preset unit -j $(JOBS)

crash: build
	ctest --preset crash

bench: build
	$(EDDY) bench log --shards 4 --seconds 10
	$(EDDY) bench log --shards 256 --inflight 128 --seconds 10
	$(EDDY) bench kinesis --seconds 10 --drain-after
	$(EDDY) bench kinesis --seconds 10 --rate 1000 --batch 10 --producers 2 --consumers 2 --poll-ms 0
	$(EDDY) bench kinesis --seconds 12 --reshard
	$(EDDY) bench dynamodb --seconds 5 --clients 16
	$(EDDY) bench consumer

peers: build
	bench/peers.sh --seconds 10

FUZZ_SECONDS ?= 60
FUZZERS := kinesis_request_fuzzer attribute_json_fuzzer table_expression_fuzzer
fuzz: build
	CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DEDDY_FUZZ=ON -DEDDY_SANITIZE=address,undefined >/dev/null
	cmake --build build/fuzz --target $(FUZZERS) -j $(JOBS)
	set -e; for f in $(FUZZERS); do \
	  build/release/tests/fuzz/$$f --write-seeds build/fuzz/corpus-$$f; \
	  UBSAN_OPTIONS=suppressions=tests/fuzz/ubsan.supp:halt_on_error=1:print_stacktrace=1 \
	    build/fuzz/tests/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=build/fuzz/$$f- build/fuzz/corpus-$$f; \
	done

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

tidy: build
	git ls-files 'src/*.cc' | xargs clang-tidy -p build/release --quiet

clean:
	rm -rf build
