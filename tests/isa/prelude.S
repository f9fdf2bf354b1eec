# Prelude of every ISA test program (tests/isa.rs puts it in front of each program
# body, followed by epilogue.S).
#
# Convention: t6 holds the number of the case being checked (CASE n); on the first
# mismatch the program exits with 2*n+1, so the failing case can be read off the exit
# code; when every case passes it exits with 0. Cases are numbered from 1 and a
# program has at most 127 of them, so every code fits the 8-bit Linux exit status.
# t5 is the scratch register of the CHECK and FAIL macros: bodies must not keep values
# in t5 or t6 across a CHECK.

    .section .text.start, "ax"
    .globl _start
_start:

# Start case number \n.
.macro CASE n
    li t6, \n
.endm

# Jump to `fail` from anywhere: auipc/jalr reaches +-2 GiB, where a jal reaches only
# +-1 MiB and the largest generated programs are bigger. Clobbers t5.
.macro FAIL
.Lfar\@:
    auipc t5, %pcrel_hi(fail)
    jalr x0, %pcrel_lo(.Lfar\@)(t5)
.endm

# Fail the current case unless register \reg holds the constant \value.
.macro CHECK reg, value
    li t5, \value
    beq \reg, t5, .Lcheck_ok\@
    FAIL
.Lcheck_ok\@:
.endm

# Fail the current case unless registers \a and \b are equal.
.macro CHECK_EQ a, b
    beq \a, \b, .Lcheck_ok\@
    FAIL
.Lcheck_ok\@:
.endm

# Fail the current case if register \reg is zero.
.macro CHECK_NZ reg
    bne \reg, zero, .Lcheck_ok\@
    FAIL
.Lcheck_ok\@:
.endm

# Load the absolute address of \symbol into \reg with lui/addi, independent of pc
# (auipc is itself under test); the link script places everything below 2 GiB.
.macro ADDR reg, symbol
    lui \reg, %hi(\symbol)
    addi \reg, \reg, %lo(\symbol)
.endm
