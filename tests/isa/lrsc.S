# LR/SC: the reservation set by lr, consumed by sc; failure codes; word forms and
# their sign extension. Uncompressed. The order of the cases matters: case 1 must
# run before any lr, and each case leaves the reservation cleared.
    .option norvc
    .pushsection .data
    .balign 8
.Lres:
    .dword 0x1111111111111111
.Lother:
    .dword 0x2222222222222222
.Lwords:
    .word 0x80000000, 0x33333333
    .popsection

# case 1: sc.d with no lr since the start fails, writes nonzero and does not store
    CASE 1
    ADDR s0, .Lres
    li a1, 0x4444
    li a2, 0
    sc.d a2, a1, (s0)
    CHECK_NZ a2
    ld a3, 0(s0)
    CHECK a3, 0x1111111111111111

# case 2: lr.d reads the doubleword
    CASE 2
    lr.d a0, (s0)
    CHECK a0, 0x1111111111111111

# case 3: sc.d to the reserved address succeeds, writes 0 and stores
    CASE 3
    li a1, 0x0123456789abcdef
    li a2, 7
    sc.d a2, a1, (s0)
    CHECK a2, 0
    ld a3, 0(s0)
    CHECK a3, 0x0123456789abcdef

# case 4: a second sc.d after a successful one fails and does not store
    CASE 4
    li a1, 0x5555
    sc.d a2, a1, (s0)
    CHECK_NZ a2
    ld a3, 0(s0)
    CHECK a3, 0x0123456789abcdef

# case 5: sc.d to another address than the lr fails and does not store
    CASE 5
    ADDR s1, .Lother
    lr.d a0, (s0)
    li a1, 0x6666
    sc.d a2, a1, (s1)
    CHECK_NZ a2
    ld a3, 0(s1)
    CHECK a3, 0x2222222222222222
    ld a3, 0(s0)
    CHECK a3, 0x0123456789abcdef

# case 6: the failed sc also ended the reservation: sc.d to the lr address now fails
    CASE 6
    sc.d a2, a1, (s0)
    CHECK_NZ a2
    ld a3, 0(s0)
    CHECK a3, 0x0123456789abcdef

# case 7: lr.w sign-extends a negative word
    CASE 7
    ADDR s2, .Lwords
    lr.w a0, (s2)
    CHECK a0, 0xffffffff80000000

# case 8: sc.w succeeds and stores only 32 bits
    CASE 8
    li a1, 0xaaaaaaaa12345678
    sc.w a2, a1, (s2)
    CHECK a2, 0
    ld a3, 0(s2)
    CHECK a3, 0x3333333312345678

# case 9: lr.w / sc.w on the upper word, with aq/rl bits and rd = rs1 for lr
    CASE 9
    addi a4, s2, 4
    mv a5, a4
    lr.w.aq a5, (a5)
    CHECK a5, 0x33333333
    li a1, -2
    sc.w.rl a2, a1, (a4)
    CHECK a2, 0
    ld a3, 0(s2)
    CHECK a3, 0xfffffffe12345678

# case 10: sc.w after the reservation was consumed fails and does not store
    CASE 10
    li a1, 0
    sc.w a2, a1, (a4)
    CHECK_NZ a2
    lw a3, 0(a4)
    CHECK a3, -2

# case 11: sc with rd = x0 still stores when it succeeds
    CASE 11
    lr.d.aqrl a0, (s1)
    li a1, 0x7777
    sc.d.aqrl x0, a1, (s1)
    CHECK zero, 0
    ld a3, 0(s1)
    CHECK a3, 0x7777

# case 12: an lr/sc retry loop increments the doubleword
    CASE 12
.Lretry:
    lr.d a0, (s0)
    addi a0, a0, 1
    sc.d a1, a0, (s0)
    bne a1, zero, .Lretry
    ld a3, 0(s0)
    CHECK a3, 0x0123456789abcdf0
