# strata: one GNU Makefile. Sources are found by wildcard, so adding a file under src/, analysis/,
# ui/ or tests/unit/ needs no edit here.
#   make            ./strata
#   make check      every test: unit (cmocka), TUI (headless), end-to-end
#   make memcheck   ./strata under Valgrind's memcheck on the fixtures, the view too (make check runs it)
#   make asan       the whole suite again under AddressSanitizer + UBSan (build in build-asan/)
#   make tsan       the threaded paths (--jobs) under ThreadSanitizer (build in build-tsan/)
#   make bench      speed and memory figures (never run by the tests)
#   make install    PREFIX=/usr/local DESTDIR=: binary, man page, completions, docs; make uninstall
#   make man        build/strata.1 (the KEYS section generated from ./strata --keys), mandoc-linted
#   make deb        a Debian package in build/deb/ (dpkg-buildpackage on a copy of the committed tree)
#   make fuzz       libFuzzer harnesses, FUZZ_RUNS inputs each; make fuzz-replay: their corpora
PKG_CONFIG ?= pkg-config
PKGS       := libarchive jansson libzstd libisal libxxhash libpcre2-8 libhs libcurl
NCURSES    := $(shell $(PKG_CONFIG) --exists ncursesw && echo ncursesw || echo ncurses)
CFLAGS     ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes -MMD -MP \
	-I. $(shell $(PKG_CONFIG) --cflags $(PKGS) $(NCURSES))
# libcurl is opened at run time by the sources that need it (src/curl_api.h), not linked
LDLIBS     += $(shell $(PKG_CONFIG) --libs $(filter-out libcurl,$(PKGS))) -lpthread -lm
UI_LIBS    := $(shell $(PKG_CONFIG) --libs $(NCURSES))
TEST_LIBS  := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

B ?= build
CORE_SRC := $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard analysis/*.c)
UI_SRC   := $(wildcard ui/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
UI_OBJ   := $(UI_SRC:%.c=$(B)/%.o)
UNIT     := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
TUI_T    := $(patsubst tests/tui/%.c,$(B)/tests/%,$(wildcard tests/tui/test_*.c))
BIN      ?= strata

all: $(BIN)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libcore.a: $(CORE_OBJ)
	rm -f $@ && $(AR) rcs $@ $^
$(B)/libui.a: $(UI_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(BIN): $(B)/src/main.o $(B)/libui.a $(B)/libcore.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(UI_LIBS) $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcore.a $(TEST_LIBS) $(LDLIBS)
$(B)/tests/%: tests/tui/%.c $(B)/libui.a $(B)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libui.a $(B)/libcore.a $(TEST_LIBS) $(UI_LIBS) $(LDLIBS)

unit: $(UNIT)
	@set -e; for t in $(UNIT); do echo "== $$t"; $$t; done

tui: $(TUI_T) $(BIN)
	@set -e; for t in $(TUI_T); do echo "== $$t"; $$t; done
	@set -e; for t in tests/tui/*.sh; do [ -e "$$t" ] || continue; echo "== $$t"; STRATA=./$(BIN) bash $$t; done

e2e: $(BIN)
	@set -e; for t in tests/e2e/*.sh; do [ -e "$$t" ] || continue; echo "== $$t"; STRATA=./$(BIN) bash $$t; done

# Valgrind's memcheck over the plain binary (tests/valgrind/test_valgrind.sh: every output mode on
# the fixtures, damaged inputs, the view): no memory error, leak or descriptor left open.
memcheck: $(BIN)
	STRATA=./$(BIN) bash tests/valgrind/test_valgrind.sh

check: all unit tui e2e memcheck
	@echo "make check: all suites passed"

# The whole suite again with AddressSanitizer and UBSan; objects live apart in build-asan/.
# (memcheck apart: valgrind cannot run a sanitized binary, and LeakSanitizer does its work here.)
asan:
	$(MAKE) B=build-asan BIN=strata-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" all unit tui e2e
	@echo "make asan: all suites passed"

# ThreadSanitizer over the threaded paths: the pool's unit test, the view's in-process tests (the
# prefetcher's thread is in test_rows), then tests/e2e/test_jobs.sh with
# --jobs 1, 2 and 4 on multi-layer gzip, zstd, plain and mixed images it builds (docker-archive, OCI
# archive, OCI layout), and the view's loading screen (tests/tui/test_live.sh: the reader thread
# publishing the layer list while the UI thread draws it; a report ends strata, its checks fail).
# Objects live apart in build-tsan/; a race report fails it (exit 66).
TSAN_FLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
tsan:
	$(MAKE) B=build-tsan BIN=strata-tsan CFLAGS="$(TSAN_FLAGS)" LDFLAGS="-fsanitize=thread" \
	  strata-tsan build-tsan/tests/test_pool build-tsan/tests/test_ui build-tsan/tests/test_rows
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 build-tsan/tests/test_pool
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 build-tsan/tests/test_ui
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 build-tsan/tests/test_rows
	STRATA=./strata-tsan TSAN=1 bash tests/e2e/test_jobs.sh
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 TUI_TIMEOUT=60 STRATA=./strata-tsan bash tests/tui/test_live.sh

# Fuzzing (tests/fuzz/): `make fuzz` runs each libFuzzer harness for FUZZ_RUNS inputs (clang);
# `make fuzz-replay` runs them once over the committed corpora and crashers (any cc; CI).
FUZZ_RUNS ?= 100000
fuzz:
	bash tests/fuzz/run.sh $(FUZZ_RUNS)
fuzz-replay:
	bash tests/fuzz/replay.sh

lint:
	@! grep -rn 'curses.h' src analysis || { echo "curses.h under src/ or analysis/"; exit 1; }
	@! grep -rn '#include "ui/\|#include "analysis/' src --exclude=main.c || { echo "src/ includes analysis/ or ui/ (only main.c wires them)"; exit 1; }
	@! grep -rn '#include "ui/' analysis || { echo "analysis/ includes ui/"; exit 1; }
	@bash scripts/check-layers.sh

bench: all
	bash bench/run.sh
	bash -o pipefail -c 'bash bench/registry.sh | tee bench/registry-results.txt'

# Golden screens (tests/tui/test_golden.sh): `make golden` rewrites tests/tui/golden/*.txt from
# ./strata; `make screenshots` rewrites them too and draws screenshots/*.png from the same screens.
golden: all
	UPDATE_GOLDEN=1 STRATA=./$(BIN) bash tests/tui/test_golden.sh

screenshots: all
	STRATA=./$(BIN) bash scripts/screenshots.sh

# ---- install: GNU directory variables; DESTDIR for staged installs (the Debian package uses it)
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/strata
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
INSTALL_LICENSE ?= 1     # 0 for distributions that keep the licence elsewhere (debian/copyright)
INSTALL     ?= install

# The man page names DOCDIR, so it is made again for every install (a few milliseconds).
man: $(BIN)
	bash scripts/make-man.sh ./$(BIN) man/strata.1.in $(B)/strata.1 $(DOCDIR)
	@out=$$(mandoc -Tlint $(B)/strata.1 2>&1 | grep -v 'outdated mandoc.db' || true); \
	  if [ -n "$$out" ]; then echo "$$out"; echo "mandoc -Tlint: the man page has warnings"; exit 1; fi

install: $(BIN)
	bash scripts/make-man.sh ./$(BIN) man/strata.1.in $(B)/strata.1 $(DOCDIR)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)/examples \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	$(INSTALL) -m 755 $(BIN) $(DESTDIR)$(BINDIR)/strata
	$(INSTALL) -m 644 $(B)/strata.1 $(DESTDIR)$(MANDIR)/man1/strata.1
	$(INSTALL) -m 644 completions/strata.bash $(DESTDIR)$(BASHCOMPDIR)/strata
	$(INSTALL) -m 644 completions/_strata $(DESTDIR)$(ZSHCOMPDIR)/_strata
	$(INSTALL) -m 644 completions/strata.fish $(DESTDIR)$(FISHCOMPDIR)/strata.fish
	$(INSTALL) -m 644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(INSTALL) -m 644 docs/strata.conf.example $(DESTDIR)$(DOCDIR)/examples/strata.conf
	if [ "$(strip $(INSTALL_LICENSE))" = 1 ]; then $(INSTALL) -m 644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/strata $(DESTDIR)$(MANDIR)/man1/strata.1 \
	  $(DESTDIR)$(BASHCOMPDIR)/strata $(DESTDIR)$(ZSHCOMPDIR)/_strata $(DESTDIR)$(FISHCOMPDIR)/strata.fish \
	  $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/examples/strata.conf $(DESTDIR)$(DOCDIR)/LICENSE
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

deb:
	bash scripts/build-deb.sh build/deb

clean:
	rm -rf build build-asan build-fuzz build-tsan strata strata-asan strata-tsan

.PHONY: all unit tui e2e memcheck check asan tsan lint bench golden screenshots clean man install uninstall deb fuzz fuzz-replay
-include $(shell find $(B) -name '*.d' 2>/dev/null)
