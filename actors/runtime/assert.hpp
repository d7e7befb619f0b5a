// Invariant checks that stay on in release builds (STYLE.md rule 6). A
// failed invariant is a bug, not bad input: it prints what broke and aborts.
// Expected failures (bad input, a venue rejection) are error values instead.
#pragma once

#include <cstdio>
#include <cstdlib>

#define VERITY_ASSERT(cond, what)                                                                 \
  do {                                                                                            \
    if (!(cond)) [[unlikely]] {                                                                   \
      std::fprintf(stderr, "verity: invariant failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   #cond, what);                                                                  \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)
