# Epilogue of every ISA test program: reached by falling through after the last
# case (exit 0) or by jumping to `fail` (exit 2*t6+1). Assembled uncompressed so it
# does not depend on the C extension under test.
    .option push
    .option norvc
    li a0, 0
    li a7, 93
    ecall
fail:
    slli a0, t6, 1
    addi a0, a0, 1
    li a7, 93
    ecall
    .option pop
