# The state a program starts in, as Linux (and qemu-riscv64) give it to a static
# executable: every register except sp is zero; sp points into a writable stack and is
# 16-byte aligned. Under ziskjit the stack must also lie below 2^32 (qemu puts it
# higher, so that is not checked directly: case 3 would fault if it did not).
# Uncompressed. Case 1 must come first: it checks t5 and t6 before the CASE and CHECK
# macros overwrite them.
    .option norvc

# case 1: x1 and x3..x31 are zero at entry
    or t4, x31, x30
    CASE 1
    bne t4, zero, fail
    .irp reg, x1, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, x18, x19, x20, x21, x22, x23, x24, x25, x26, x27, x28, x29
    CHECK_EQ \reg, zero
    .endr

# case 2: sp is nonzero and 16-byte aligned
    CASE 2
    CHECK_NZ sp
    andi a0, sp, 15
    CHECK a0, 0

# case 3: the stack is writable next to sp and 64 KiB below it
    CASE 3
    li a0, 0x0123456789abcdef
    sd a0, -8(sp)
    ld a1, -8(sp)
    CHECK_EQ a1, a0
    li t0, -65536
    add t0, sp, t0
    sd a0, 0(t0)
    ld a2, 0(t0)
    CHECK_EQ a2, a0

# case 4: a call that saves ra on the stack and returns
    CASE 4
    jal ra, .Lframe
    CHECK a0, 7
    jal x0, .Ldone
.Lframe:
    addi sp, sp, -16
    sd ra, 8(sp)
    jal ra, .Lleaf
    ld ra, 8(sp)
    addi sp, sp, 16
    jalr x0, 0(ra)
.Lleaf:
    li a0, 7
    jalr x0, 0(ra)
.Ldone:
