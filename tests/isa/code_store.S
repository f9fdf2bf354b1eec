# Overwrites an instruction in a writable executable (RWX) section, runs fence.i and
# calls it. Exits with what the called code returned: 1 if the instruction decoded
# from the ELF ran (ziskjit: code is fixed at load time), 2 if the stored one ran
# (qemu-riscv64, which follows self-modifying code). Either way the stored word must
# read back (case 1), else exit 3.
    .option norvc
    .pushsection .data.code, "awx"
    .balign 4
.Lpatch:
    addi a0, zero, 1
    jalr x0, 0(ra)
    .popsection

# case 1: the store into the code section is visible to loads
    CASE 1
    ADDR s0, .Lpatch
    li s1, 0x00200513          # addi a0, zero, 2
    sw s1, 0(s0)
    fence.i
    lwu a1, 0(s0)
    CHECK_EQ a1, s1
    li a0, 0
    jal ra, .Lpatch
    li a7, 93
    ecall
