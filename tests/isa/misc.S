# x0 as a destination of every instruction kind, x0 as a source, one register as
# destination and both sources, and fence / fence.i as no-ops. Uncompressed.
    .option norvc
    .pushsection .data
    .balign 8
.Lword:
    .dword 0x0123456789abcdef
    .popsection

# case 1: ALU ops with rd = x0 do not write it
    CASE 1
    li a0, 5
    addi x0, a0, 7
    add x0, a0, a0
    sub x0, zero, a0
    slli x0, a0, 3
    addiw x0, a0, -1
    CHECK zero, 0
    add a1, zero, zero
    CHECK a1, 0

# case 2: lui and auipc with rd = x0
    CASE 2
    lui x0, 0x12345
    auipc x0, 0x1
    or a1, zero, zero
    CHECK a1, 0

# case 3: loads into x0 leave it zero
    CASE 3
    ADDR a0, .Lword
    ld x0, 0(a0)
    lw x0, 4(a0)
    lbu x0, 1(a0)
    mv a1, zero
    CHECK a1, 0

# case 4: mul/div/rem into x0, including division by zero
    CASE 4
    li a0, 7
    mul x0, a0, a0
    div x0, a0, zero
    remu x0, a0, zero
    mulh x0, a0, a0
    addi a1, zero, 0
    CHECK a1, 0

# case 5: an AMO with rd = x0 still updates memory
    CASE 5
    ADDR a0, .Lword
    li a1, 1
    amoadd.d x0, a1, (a0)
    CHECK zero, 0
    ld a2, 0(a0)
    CHECK a2, 0x0123456789abcdf0

# case 6: amoswap.w with rd = x0 stores the low half only
    CASE 6
    li a1, 0x7777777711112222
    amoswap.w x0, a1, (a0)
    ld a2, 0(a0)
    CHECK a2, 0x0123456711112222
    sub a3, zero, zero
    CHECK a3, 0

# case 7: x0 as a source is zero
    CASE 7
    li a1, 9
    sub a2, zero, a1
    CHECK a2, -9
    sltu a3, zero, a1
    CHECK a3, 1
    sltu a4, a1, zero
    CHECK a4, 0

# case 8: rd == rs1 == rs2
    CASE 8
    li a0, 0x4000000000000003
    add a0, a0, a0
    CHECK a0, 0x8000000000000006
    li a1, 0x123456789
    sub a1, a1, a1
    CHECK a1, 0
    li a2, 0xfffffffff0000001
    xor a2, a2, a2
    CHECK a2, 0
    li a3, 0x10001
    mulw a3, a3, a3
    CHECK a3, 0x20001
    li a4, -5
    slt a4, a4, a4
    CHECK a4, 0
    li a5, 3
    sll a5, a5, a5
    CHECK a5, 24

# case 9: fence variants and fence.i change no register or memory
    CASE 9
    li s0, 0x1122334455667788
    ADDR s1, .Lword
    sd s0, 0(s1)
    fence
    fence rw, rw
    fence r, w
    fence iorw, iorw
    fence.tso
    fence.i
    ld s2, 0(s1)
    CHECK_EQ s2, s0
    CHECK s0, 0x1122334455667788

# case 10: nop (addi x0, x0, 0) changes nothing
    CASE 10
    li a0, 3
    nop
    nop
    CHECK a0, 3
