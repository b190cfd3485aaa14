# The two commands of the README are `make demo` and `make test`; both set up what they need.
.PHONY: bootstrap demo test lint

bootstrap:
	bash scripts/bootstrap

# plan exits 2 when it finds changes (the first run always does): that is success here.
demo: bootstrap
	PATH="$(CURDIR)/.venv/bin:$$PATH" sbkube-ci validate -C examples/quickstart
	PATH="$(CURDIR)/.venv/bin:$$PATH" sbkube-ci plan -C examples/quickstart || [ $$? -eq 2 ]

# The test servers (Debian packages, and the control plane's Go build: minutes on a new machine)
# are set up beside the Python environment rather than after it.
test:
	bash scripts/install_test_services & services=$$!; \
	bash scripts/bootstrap; status=$$?; \
	wait $$services && [ $$status -eq 0 ]
	bash scripts/check

lint: bootstrap
	PATH="$(CURDIR)/.venv/bin:$$PATH" ruff check . && ruff format --check . && mypy && lint-imports
