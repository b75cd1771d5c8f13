# MedSilo: the two set-up commands of the README, and helpers.
#   make test   installs what is missing, builds, runs all tests
#   make demo   installs what is missing, builds release, runs the main job on built-in data

SWIFT ?= swift
DEMO_DIR ?= demo-out

.PHONY: deps build test crosscheck demo bench torch-reference federation-vs-torch fuzz clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Pixel values against pydicom, pypng and Pillow (installs them into .build/crosscheck-venv).
crosscheck: deps
	$(SWIFT) build --product medsilo
	python3 scripts/crosscheck.py --medsilo .build/debug/medsilo

demo: deps
	$(SWIFT) build -c release --product medsilo
	bash scripts/demo.sh .build/release/medsilo $(DEMO_DIR)

bench: deps
	$(SWIFT) build -c release --product medsilo-bench
	.build/release/medsilo-bench decode
	.build/release/medsilo-bench ingest
	.build/release/medsilo-bench partition
	.build/release/medsilo-bench blas
	.build/release/medsilo-bench engine
	.build/release/medsilo-bench federation

# PyTorch CPU throughput of the engine's two benchmark CNNs (installs torch into .build/torch-venv).
torch-reference:
	test -x .build/torch-venv/bin/python || python3 -m venv .build/torch-venv
	.build/torch-venv/bin/pip install -q -r scripts/torch-reference-requirements.txt
	python3 scripts/torch-reference.py --threads 1,2 --json

# FedAvg seconds per round: medsilo-bench federation against plain PyTorch, 1 and 2 threads, alternating
# repetitions (installs torch into .build/torch-venv). FLOWER=1 adds Flower's Ray simulation (.build/flwr-venv).
federation-vs-torch: deps
	$(SWIFT) build -c release --product medsilo-bench
	test -x .build/torch-venv/bin/python || python3 -m venv .build/torch-venv
	.build/torch-venv/bin/pip install -q -r scripts/fedavg-requirements.txt
ifeq ($(FLOWER),1)
	test -x .build/flwr-venv/bin/python || python3 -m venv .build/flwr-venv
	.build/flwr-venv/bin/pip install -q -r scripts/flower-requirements.txt
endif
	python3 scripts/federation-vs-torch.py $(if $(filter 1,$(FLOWER)),--flower) --json

# make fuzz [FUZZ_TARGET=dicom|png|jpeg|npz|manifest|all] [FUZZ_SECONDS=60]
fuzz: deps
	bash scripts/fuzz.sh $(or $(FUZZ_TARGET),all) $(or $(FUZZ_SECONDS),60)

clean:
	rm -rf .build $(DEMO_DIR)
