// exp and log that give the same bits on every x86-64 machine.
//
// glibc chooses its exp/log implementation by CPU features at run time (FMA
// or not), so the same binary can round differently on two machines. These
// are ports of fdlibm's e_exp.c and e_log.c (Sun Microsystems, 1993; the
// versions in FreeBSD's msun): only IEEE + - * / and bit manipulation, so
// with -ffp-contract=off the result depends on nothing but the input. Both
// are within 1 ulp of the true value, like fdlibm.
#pragma once

#include <cstddef>

namespace verity {

double det_exp(double x);
double det_log(double x);

/// out[i] = det_exp(x[i]) and det_log(x[i]), bit for bit, for n values: the
/// generator's hot loops. On CPUs with AVX2, four lanes at a time run the
/// same IEEE operations in the same order (no fused multiply-add), falling
/// back to the scalar function for any group holding a value off the common
/// path; elsewhere, the scalar function. tests/unit/detmath_test.cpp
/// compares them over edge cases and millions of random inputs.
void det_exp_n(const double* x, double* out, std::size_t n);
void det_log_n(const double* x, double* out, std::size_t n);

/// Whether this CPU runs AVX2: what picks the vector paths here, in
/// Prng::normals and in models/native_net.cpp. They give the same bits
/// either way; only the speed differs.
bool cpu_has_avx2();

}  // namespace verity
