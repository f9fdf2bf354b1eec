# jal and jalr: link values, forward and backward targets, long offsets, jalr's
# cleared low target bit, rd == rs1 and x0 as the link register. Uncompressed.
# A jump that does not happen falls into `jal x0, fail`.
    .option norvc

# case 1: jal forward writes the address of the next instruction
    CASE 1
    li ra, 0
    jal ra, .Lj1
.Lret1:
    jal x0, fail
.Lj1:
    ADDR t0, .Lret1
    CHECK_EQ ra, t0

# case 2: jal backward into a non-ra link register
    CASE 2
    jal x0, .Lj2_call
.Lj2:
    ADDR t0, .Lret2
    CHECK_EQ t1, t0
    jal x0, .Lj2_done
.Lj2_call:
    jal t1, .Lj2
.Lret2:
    jal x0, fail
.Lj2_done:

# case 3: jal with rd = x0 jumps and leaves x0 zero
    CASE 3
    jal x0, .Lj3
    jal x0, fail
.Lj3:
    CHECK zero, 0
    add a0, zero, zero
    CHECK a0, 0

# case 4: jalr to a register target links the next instruction
    CASE 4
    ADDR t0, .Lj4
    jalr ra, 0(t0)
.Lret4:
    jal x0, fail
.Lj4:
    ADDR t1, .Lret4
    CHECK_EQ ra, t1

# case 5: jalr clears bit 0 of an odd register target
    CASE 5
    ADDR t0, .Lj5
    addi t0, t0, 1
    jalr ra, 0(t0)
    jal x0, fail
.Lj5:
    ADDR t1, .Lj5 + 1
    CHECK_EQ t0, t1

# case 6: jalr clears bit 0 when the immediate makes the sum odd
    CASE 6
    ADDR t0, .Lj6
    jalr ra, 1(t0)
    jal x0, fail
.Lj6:

# case 7: jalr with a negative immediate
    CASE 7
    ADDR t0, .Lj7 + 2000
    jalr ra, -2000(t0)
    jal x0, fail
.Lj7:

# case 8: jalr with rd == rs1 jumps to the old value and then links
    CASE 8
    ADDR t0, .Lj8
    jalr t0, 0(t0)
.Lret8:
    jal x0, fail
.Lj8:
    ADDR t1, .Lret8
    CHECK_EQ t0, t1

# case 9: jalr with rd == rs1, an immediate and an odd sum
    CASE 9
    ADDR a5, .Lj9 - 3
    jalr a5, 4(a5)
.Lret9:
    jal x0, fail
.Lj9:
    ADDR t1, .Lret9
    CHECK_EQ a5, t1

# case 10: jalr with rd = x0 (jr) jumps and leaves x0 zero
    CASE 10
    ADDR t0, .Lj10
    jalr x0, 0(t0)
    jal x0, fail
.Lj10:
    CHECK zero, 0

# case 11: call and return through ra
    CASE 11
    li a0, 0
    jal ra, .Lfunc
    CHECK a0, 42
    jal x0, .Lj11_done
.Lfunc:
    li a0, 42
    jalr x0, 0(ra)
.Lj11_done:

# case 12: jalr ra, 0(ra) returns and re-links in one instruction
    CASE 12
    ADDR ra, .Lj12
    jalr ra, 0(ra)
.Lret12:
    jal x0, fail
.Lj12:
    ADDR t0, .Lret12
    CHECK_EQ ra, t0

# case 13: jal forward over 8 KiB (offset bits above the 4 KiB branch range)
    CASE 13
    jal s1, .Lj13
    .fill 2048, 4, 0x00000013
.Lj13:
    ADDR t0, .Lj13 - 8192
    CHECK_EQ s1, t0

# case 14: jal backward over 8 KiB
    CASE 14
    jal x0, .Lj14_call
.Lj14:
    jal x0, .Lj14_done
    .fill 2048, 4, 0x00000013
.Lj14_call:
    jal s2, .Lj14
    jal x0, fail
.Lj14_done:
    ADDR t0, .Lj14_call + 4
    CHECK_EQ s2, t0

# case 15: a taken branch near the end of its range, forward and backward
    CASE 15
    li s3, 0
    beq zero, zero, .Lj15_far
.Lj15_back:
    li s3, 1
    beq zero, zero, .Lj15_done
    .fill 1000, 4, 0x00000013
.Lj15_far:
    bne s3, zero, fail
    bge zero, zero, .Lj15_back
.Lj15_done:
    CHECK s3, 1
