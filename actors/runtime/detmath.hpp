// exp and log that give the same bits on every x86-64 machine.
//
// glibc chooses its exp/log implementation by CPU features at run time (FMA
// or not), so the same binary can round differently on two machines. These
// are ports of fdlibm's e_exp.c and e_log.c (Sun Microsystems, 1993; the
// versions in FreeBSD's msun): only IEEE + - * / and bit manipulation, so
// with -ffp-contract=off the result depends on nothing but the input. Both
// are within 1 ulp of the true value, like fdlibm.
#pragma once

namespace verity {

double det_exp(double x);
double det_log(double x);

}  // namespace verity
