# One way to build, run and test (STYLE.md rule 12). Every target installs
# missing Debian packages (infra/deps.sh), configures and builds first.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps configure build run test bench clean

all: build

deps:
	@bash infra/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

# The main job on its embedded defaults: a seeded batch of 20 FTMO 2-Step
# challenge attempts on the market generator. It prints where the HTML
# report is (./verity-data/reports/ftmo_2step_100k/report.html) and ends
# with its JSON summary.
run: build
	@$(BUILD)/verity challenge --scenario scenarios/ftmo_2step_100k.toml --seeds 20 --report verity-data/reports/ftmo_2step_100k

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: build
	@$(BUILD)/tests/verity_bench

clean:
	@rm -rf $(BUILD) $(BUILD).configure.log
