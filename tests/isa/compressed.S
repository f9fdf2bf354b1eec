# Compressed (C) instructions that use memory, sp or control flow; the register and
# immediate forms are generated in tests/isa.rs. Every instruction under test is
# written with its explicit `c.` mnemonic, so the assembler must encode it as 16 bits.
    .option rvc
    .pushsection .data
    .balign 8
.Lcbuf:
    .dword 0xfedcba9880000002      # offset 0
    .skip 120 - 8
    .dword 0x8765432112345678      # offset 120: c.lw 124 reads the upper half
    .skip 248 - 128
    .dword 0xc011223344556677      # offset 248: c.ld 248, c.lwsp 252
    .skip 504 - 256
    .dword 0x8899aabbccddeeff      # offset 504: c.ldsp 504
    .popsection

# case 1: c.lw sign-extends, at offsets 0 and 124 (the largest)
    CASE 1
    ADDR s0, .Lcbuf
    c.lw a0, 0(s0)
    CHECK a0, 0xffffffff80000002
    c.lw a1, 124(s0)
    CHECK a1, 0xffffffff87654321

# case 2: c.ld at offsets 0 and 248 (the largest), and with rd == rs1
    CASE 2
    c.ld a0, 0(s0)
    CHECK a0, 0xfedcba9880000002
    c.ld a1, 248(s0)
    CHECK a1, 0xc011223344556677
    c.mv s1, s0
    c.ld s1, 0(s1)
    CHECK s1, 0xfedcba9880000002

# case 3: c.sw stores the low 32 bits
    CASE 3
    li a2, 0x1234567887654321
    c.sw a2, 8(s0)
    c.sw a2, 124(s0)
    ld a3, 8(s0)
    CHECK a3, 0x87654321
    ld a3, 120(s0)
    CHECK a3, 0x8765432112345678

# case 4: c.sd stores 64 bits, at offsets 16 and 248 (the largest)
    CASE 4
    c.sd a2, 16(s0)
    ld a3, 16(s0)
    CHECK a3, 0x1234567887654321
    c.sd a2, 240(s0)
    ld a3, 240(s0)
    CHECK a3, 0x1234567887654321

# case 5: c.lwsp and c.ldsp, at their largest offsets, with sp on a buffer we own
    CASE 5
    ADDR sp, .Lcbuf
    c.lwsp t0, 252(sp)
    CHECK t0, 0xffffffffc0112233
    c.ldsp t1, 504(sp)
    CHECK t1, 0x8899aabbccddeeff
    c.ldsp ra, 0(sp)
    CHECK ra, 0xfedcba9880000002
    c.lwsp s11, 0(sp)
    CHECK s11, 0xffffffff80000002

# case 6: c.swsp and c.sdsp, at small and at their largest offsets
    CASE 6
    li a0, 0xa1b2c3d4e5f60718
    c.swsp a0, 32(sp)
    c.sdsp a0, 40(sp)
    c.swsp a0, 252(sp)
    c.sdsp a0, 504(sp)
    ld a3, 32(sp)
    CHECK a3, 0xe5f60718
    ld a3, 40(sp)
    CHECK a3, 0xa1b2c3d4e5f60718
    ld a3, 248(sp)
    CHECK a3, 0xe5f6071844556677
    ld a3, 504(sp)
    CHECK a3, 0xa1b2c3d4e5f60718

# case 7: c.addi16sp by its largest positive and negative amounts
    CASE 7
    ADDR sp, .Lcbuf
    c.addi16sp sp, 496
    ADDR t0, .Lcbuf + 496
    CHECK_EQ sp, t0
    c.addi16sp sp, -512
    ADDR t0, .Lcbuf - 16
    CHECK_EQ sp, t0

# case 8: c.addi4spn at its smallest and largest offsets
    CASE 8
    ADDR sp, .Lcbuf
    c.addi4spn a0, sp, 1020
    ADDR t0, .Lcbuf + 1020
    CHECK_EQ a0, t0
    c.addi4spn s1, sp, 4
    ADDR t0, .Lcbuf + 4
    CHECK_EQ s1, t0

# case 9: c.j forward over 1 KiB and backward
    CASE 9
    li a0, 0
    c.j .Lc9_far
.Lc9_back:
    li a0, 1
    c.j .Lc9_done
    .fill 512, 2, 0x0001
.Lc9_far:
    c.bnez a0, .Lc9_fail
    c.j .Lc9_back
.Lc9_fail:
    jal x0, fail
.Lc9_done:
    CHECK a0, 1

# case 10: c.beqz taken forward, not taken, taken backward
    CASE 10
    li a0, 0
    li a1, 0
    c.beqz a0, .Lc10_fwd
    jal x0, fail
.Lc10_back:
    li a1, 2
    c.j .Lc10_done
.Lc10_fwd:
    li a0, 0x100000000
    c.beqz a0, .Lc10_fail
    c.li a2, 0
    c.beqz a2, .Lc10_back
.Lc10_fail:
    jal x0, fail
.Lc10_done:
    CHECK a1, 2

# case 11: c.bnez taken forward (including on bit 63 alone), not taken, taken backward
    CASE 11
    li a1, 0
    li s0, 0x8000000000000000
    c.bnez s0, .Lc11_fwd
    jal x0, fail
.Lc11_back:
    li a1, 3
    c.j .Lc11_done
.Lc11_fwd:
    c.li s1, 0
    c.bnez s1, .Lc11_fail
    c.li s1, -1
    c.bnez s1, .Lc11_back
.Lc11_fail:
    jal x0, fail
.Lc11_done:
    CHECK a1, 3

# case 12: c.beqz/c.bnez over 200 bytes (offset bits 7 and 6)
    CASE 12
    c.li a3, 0
    c.beqz a3, .Lc12_a
    .fill 100, 2, 0x0001
    jal x0, fail
.Lc12_a:
    c.li a3, 1
    c.bnez a3, .Lc12_b
    .fill 100, 2, 0x0001
    jal x0, fail
.Lc12_b:

# case 13: c.jr to a register target, and to an odd one (bit 0 cleared)
    CASE 13
    ADDR t0, .Lc13_a
    c.jr t0
    jal x0, fail
.Lc13_a:
    ADDR t0, .Lc13_b
    addi t0, t0, 1
    c.jr t0
    jal x0, fail
.Lc13_b:

# case 14: c.jalr links pc + 2
    CASE 14
    ADDR t0, .Lc14
    c.jalr t0
.Lret14:
    jal x0, fail
.Lc14:
    ADDR t1, .Lret14
    CHECK_EQ ra, t1

# case 15: c.jalr ra jumps to the old ra, then links
    CASE 15
    ADDR ra, .Lc15
    c.jalr ra
.Lret15:
    jal x0, fail
.Lc15:
    ADDR t1, .Lret15
    CHECK_EQ ra, t1

# case 16: a call into code at an address that is 2 mod 4, where a 4-byte
# instruction starts at 2 mod 4 too, then a compressed return
    CASE 16
    ADDR t0, .Lc16_func
    andi t1, t0, 3
    CHECK t1, 2
    li a0, 40
    jalr ra, 0(t0)
    CHECK a0, 42
    c.j .Lc16_done
    .balign 4
    c.nop
.Lc16_func:
    .option push
    .option norvc
    addi a0, a0, 2
    .option pop
    c.jr ra
.Lc16_done:

# case 17: c.nop changes nothing
    CASE 17
    li a0, 5
    c.nop
    c.nop
    CHECK a0, 5
