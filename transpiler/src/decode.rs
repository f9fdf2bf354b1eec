//! Decoding RV64IMAC + Zifencei encodings into [`Inst`].
//!
//! Decoding is total: every bit pattern becomes an [`Inst`], with [`Op::Illegal`] or
//! [`Op::Unsupported`] for what the VM does not run, because the decoder runs over
//! every halfword of the executable segments (data embedded in code, the second half
//! of a 4-byte instruction) and only the instructions actually reached may fault.

use crate::inst::{Inst, Op};

/// Decodes the instruction starting with the 16-bit parcel `lo`; `hi` is the next
/// parcel (ignored for compressed encodings).
pub fn decode(lo: u16, hi: u16) -> Inst {
    if lo & 0b11 != 0b11 {
        decode_compressed(lo)
    } else {
        decode32(u32::from(lo) | (u32::from(hi) << 16))
    }
}

fn bits(x: u32, hi: u32, lo: u32) -> u32 {
    (x >> lo) & ((1u32 << (hi - lo + 1)) - 1)
}

/// Sign-extends the low `width` bits of `x`.
fn sext(x: u32, width: u32) -> i64 {
    let shift = 64 - width;
    ((u64::from(x) << shift) as i64) >> shift
}

fn inst(op: Op, rd: u32, rs1: u32, rs2: u32, imm: i64, raw: u32) -> Inst {
    Inst { op, rd: rd as u8, rs1: rs1 as u8, rs2: rs2 as u8, imm, len: 4, raw }
}

/// Decodes a 32-bit encoding.
pub fn decode32(raw: u32) -> Inst {
    use Op::*;
    let opcode = bits(raw, 6, 0);
    let rd = bits(raw, 11, 7);
    let funct3 = bits(raw, 14, 12);
    let rs1 = bits(raw, 19, 15);
    let rs2 = bits(raw, 24, 20);
    let funct7 = bits(raw, 31, 25);
    let i_imm = sext(bits(raw, 31, 20), 12);
    let s_imm = sext((bits(raw, 31, 25) << 5) | bits(raw, 11, 7), 12);
    let b_imm = sext(
        (bits(raw, 31, 31) << 12) | (bits(raw, 7, 7) << 11) | (bits(raw, 30, 25) << 5) | (bits(raw, 11, 8) << 1),
        13,
    );
    let u_imm = sext(raw & 0xffff_f000, 32);
    let j_imm = sext(
        (bits(raw, 31, 31) << 20) | (bits(raw, 19, 12) << 12) | (bits(raw, 20, 20) << 11) | (bits(raw, 30, 21) << 1),
        21,
    );
    let illegal = Inst::illegal(raw, 4);
    let r = |op| inst(op, rd, rs1, rs2, 0, raw);
    let i = |op| inst(op, rd, rs1, 0, i_imm, raw);
    match opcode {
        0b0110111 => inst(Lui, rd, 0, 0, u_imm, raw),
        0b0010111 => inst(Auipc, rd, 0, 0, u_imm, raw),
        0b1101111 => inst(Jal, rd, 0, 0, j_imm, raw),
        0b1100111 if funct3 == 0 => i(Jalr),
        0b1100011 => {
            let op = match funct3 {
                0 => Beq,
                1 => Bne,
                4 => Blt,
                5 => Bge,
                6 => Bltu,
                7 => Bgeu,
                _ => return illegal,
            };
            inst(op, 0, rs1, rs2, b_imm, raw)
        }
        0b0000011 => {
            let op = match funct3 {
                0 => Lb,
                1 => Lh,
                2 => Lw,
                3 => Ld,
                4 => Lbu,
                5 => Lhu,
                6 => Lwu,
                _ => return illegal,
            };
            i(op)
        }
        0b0100011 => {
            let op = match funct3 {
                0 => Sb,
                1 => Sh,
                2 => Sw,
                3 => Sd,
                _ => return illegal,
            };
            inst(op, 0, rs1, rs2, s_imm, raw)
        }
        0b0010011 => {
            let shamt = i64::from(bits(raw, 25, 20));
            let shift_kind = bits(raw, 31, 26);
            match funct3 {
                0 => i(Addi),
                2 => i(Slti),
                3 => i(Sltiu),
                4 => i(Xori),
                6 => i(Ori),
                7 => i(Andi),
                1 if shift_kind == 0 => inst(Slli, rd, rs1, 0, shamt, raw),
                5 if shift_kind == 0 => inst(Srli, rd, rs1, 0, shamt, raw),
                5 if shift_kind == 0b010000 => inst(Srai, rd, rs1, 0, shamt, raw),
                _ => illegal,
            }
        }
        0b0011011 => {
            let shamt = i64::from(bits(raw, 24, 20));
            match (funct3, funct7) {
                (0, _) => i(Addiw),
                (1, 0) => inst(Slliw, rd, rs1, 0, shamt, raw),
                (5, 0) => inst(Srliw, rd, rs1, 0, shamt, raw),
                (5, 0b0100000) => inst(Sraiw, rd, rs1, 0, shamt, raw),
                _ => illegal,
            }
        }
        0b0110011 => {
            let op = match (funct7, funct3) {
                (0, 0) => Add,
                (0b0100000, 0) => Sub,
                (0, 1) => Sll,
                (0, 2) => Slt,
                (0, 3) => Sltu,
                (0, 4) => Xor,
                (0, 5) => Srl,
                (0b0100000, 5) => Sra,
                (0, 6) => Or,
                (0, 7) => And,
                (1, 0) => Mul,
                (1, 1) => Mulh,
                (1, 2) => Mulhsu,
                (1, 3) => Mulhu,
                (1, 4) => Div,
                (1, 5) => Divu,
                (1, 6) => Rem,
                (1, 7) => Remu,
                _ => return illegal,
            };
            r(op)
        }
        0b0111011 => {
            let op = match (funct7, funct3) {
                (0, 0) => Addw,
                (0b0100000, 0) => Subw,
                (0, 1) => Sllw,
                (0, 5) => Srlw,
                (0b0100000, 5) => Sraw,
                (1, 0) => Mulw,
                (1, 4) => Divw,
                (1, 5) => Divuw,
                (1, 6) => Remw,
                (1, 7) => Remuw,
                _ => return illegal,
            };
            r(op)
        }
        0b0101111 => decode_amo(raw, rd, rs1, rs2, funct3),
        0b0001111 => match funct3 {
            0 => inst(Fence, 0, 0, 0, 0, raw),
            1 => inst(FenceI, 0, 0, 0, 0, raw),
            _ => illegal,
        },
        0b1110011 => decode_system(raw, funct3),
        // The F/D extensions and everything else are outside RV64IMAC.
        _ => illegal,
    }
}

fn decode_amo(raw: u32, rd: u32, rs1: u32, rs2: u32, funct3: u32) -> Inst {
    use Op::*;
    let funct5 = bits(raw, 31, 27);
    let op = match (funct3, funct5) {
        (2, 0b00010) if rs2 == 0 => LrW,
        (2, 0b00011) => ScW,
        (2, 0b00001) => AmoSwapW,
        (2, 0b00000) => AmoAddW,
        (2, 0b00100) => AmoXorW,
        (2, 0b01100) => AmoAndW,
        (2, 0b01000) => AmoOrW,
        (2, 0b10000) => AmoMinW,
        (2, 0b10100) => AmoMaxW,
        (2, 0b11000) => AmoMinuW,
        (2, 0b11100) => AmoMaxuW,
        (3, 0b00010) if rs2 == 0 => LrD,
        (3, 0b00011) => ScD,
        (3, 0b00001) => AmoSwapD,
        (3, 0b00000) => AmoAddD,
        (3, 0b00100) => AmoXorD,
        (3, 0b01100) => AmoAndD,
        (3, 0b01000) => AmoOrD,
        (3, 0b10000) => AmoMinD,
        (3, 0b10100) => AmoMaxD,
        (3, 0b11000) => AmoMinuD,
        (3, 0b11100) => AmoMaxuD,
        _ => return Inst::illegal(raw, 4),
    };
    inst(op, rd, rs1, rs2, 0, raw)
}

fn decode_system(raw: u32, funct3: u32) -> Inst {
    use Op::*;
    let op = match (funct3, raw) {
        (0, 0x0000_0073) => Ecall,
        (0, 0x0010_0073) => Unsupported("ebreak"),
        (0, 0x3020_0073) => Unsupported("mret"),
        (0, 0x1020_0073) => Unsupported("sret"),
        (0, 0x1050_0073) => Unsupported("wfi"),
        (0, _) if raw >> 25 == 0b0001001 && bits(raw, 11, 7) == 0 => Unsupported("sfence.vma"),
        (1, _) => Unsupported("csrrw"),
        (2, _) => Unsupported("csrrs"),
        (3, _) => Unsupported("csrrc"),
        (5, _) => Unsupported("csrrwi"),
        (6, _) => Unsupported("csrrsi"),
        (7, _) => Unsupported("csrrci"),
        _ => return Inst::illegal(raw, 4),
    };
    inst(op, 0, 0, 0, 0, raw)
}

/// Decodes a 16-bit RVC encoding into the base instruction it expands to.
pub fn decode_compressed(half: u16) -> Inst {
    use Op::*;
    let raw = u32::from(half);
    let illegal = Inst::illegal(raw, 2);
    let c = |op, rd: u32, rs1: u32, rs2: u32, imm: i64| Inst {
        op,
        rd: rd as u8,
        rs1: rs1 as u8,
        rs2: rs2 as u8,
        imm,
        len: 2,
        raw,
    };
    let funct3 = bits(raw, 15, 13);
    // Full register fields (bits 11:7 and 6:2) and the 3-bit "prime" fields (x8–x15).
    let r_hi = bits(raw, 11, 7);
    let r_lo = bits(raw, 6, 2);
    let rp_hi = bits(raw, 9, 7) + 8;
    let rp_lo = bits(raw, 4, 2) + 8;
    // The 6-bit immediate of CI formats: bit 12 is the sign, bits 6:2 the rest.
    let ci_imm = sext((bits(raw, 12, 12) << 5) | bits(raw, 6, 2), 6);
    match (bits(raw, 1, 0), funct3) {
        (0b00, 0b000) => {
            // c.addi4spn: nzuimm[5:4|9:6|2|3] scaled by 1.
            let imm =
                (bits(raw, 12, 11) << 4) | (bits(raw, 10, 7) << 6) | (bits(raw, 6, 6) << 2) | (bits(raw, 5, 5) << 3);
            if imm == 0 {
                return illegal; // includes the all-zero parcel, defined illegal
            }
            c(Addi, rp_lo, 2, 0, i64::from(imm))
        }
        (0b00, 0b010) => c(Lw, rp_lo, rp_hi, 0, i64::from(cl_w_offset(raw))),
        (0b00, 0b011) => c(Ld, rp_lo, rp_hi, 0, i64::from(cl_d_offset(raw))),
        (0b00, 0b110) => c(Sw, 0, rp_hi, rp_lo, i64::from(cl_w_offset(raw))),
        (0b00, 0b111) => c(Sd, 0, rp_hi, rp_lo, i64::from(cl_d_offset(raw))),
        (0b01, 0b000) => c(Addi, r_hi, r_hi, 0, ci_imm), // c.nop / c.addi
        (0b01, 0b001) => {
            if r_hi == 0 {
                return illegal;
            }
            c(Addiw, r_hi, r_hi, 0, ci_imm)
        }
        (0b01, 0b010) => c(Addi, r_hi, 0, 0, ci_imm), // c.li
        (0b01, 0b011) => {
            if r_hi == 2 {
                // c.addi16sp: nzimm[9|4|6|8:7|5] scaled by 16.
                let imm = sext(
                    (bits(raw, 12, 12) << 9)
                        | (bits(raw, 6, 6) << 4)
                        | (bits(raw, 5, 5) << 6)
                        | (bits(raw, 4, 3) << 7)
                        | (bits(raw, 2, 2) << 5),
                    10,
                );
                if imm == 0 {
                    return illegal;
                }
                c(Addi, 2, 2, 0, imm)
            } else {
                if ci_imm == 0 {
                    return illegal;
                }
                c(Lui, r_hi, 0, 0, ci_imm << 12)
            }
        }
        (0b01, 0b100) => {
            let shamt = i64::from((bits(raw, 12, 12) << 5) | bits(raw, 6, 2));
            match bits(raw, 11, 10) {
                0b00 => c(Srli, rp_hi, rp_hi, 0, shamt),
                0b01 => c(Srai, rp_hi, rp_hi, 0, shamt),
                0b10 => c(Andi, rp_hi, rp_hi, 0, ci_imm),
                _ => {
                    let op = match (bits(raw, 12, 12), bits(raw, 6, 5)) {
                        (0, 0b00) => Sub,
                        (0, 0b01) => Xor,
                        (0, 0b10) => Or,
                        (0, 0b11) => And,
                        (1, 0b00) => Subw,
                        (1, 0b01) => Addw,
                        _ => return illegal,
                    };
                    c(op, rp_hi, rp_hi, rp_lo, 0)
                }
            }
        }
        (0b01, 0b101) => c(Jal, 0, 0, 0, cj_offset(raw)),
        (0b01, 0b110) => c(Beq, 0, rp_hi, 0, cb_offset(raw)),
        (0b01, 0b111) => c(Bne, 0, rp_hi, 0, cb_offset(raw)),
        (0b10, 0b000) => {
            let shamt = i64::from((bits(raw, 12, 12) << 5) | bits(raw, 6, 2));
            c(Slli, r_hi, r_hi, 0, shamt)
        }
        (0b10, 0b010) => {
            if r_hi == 0 {
                return illegal;
            }
            // c.lwsp: uimm[5|4:2|7:6].
            let imm = (bits(raw, 12, 12) << 5) | (bits(raw, 6, 4) << 2) | (bits(raw, 3, 2) << 6);
            c(Lw, r_hi, 2, 0, i64::from(imm))
        }
        (0b10, 0b011) => {
            if r_hi == 0 {
                return illegal;
            }
            // c.ldsp: uimm[5|4:3|8:6].
            let imm = (bits(raw, 12, 12) << 5) | (bits(raw, 6, 5) << 3) | (bits(raw, 4, 2) << 6);
            c(Ld, r_hi, 2, 0, i64::from(imm))
        }
        (0b10, 0b100) => match (bits(raw, 12, 12), r_hi, r_lo) {
            (0, 0, _) => illegal,
            (0, rs1, 0) => c(Jalr, 0, rs1, 0, 0),  // c.jr
            (0, rd, rs2) => c(Add, rd, 0, rs2, 0), // c.mv
            (1, 0, 0) => Inst { op: Unsupported("c.ebreak"), ..c(Illegal, 0, 0, 0, 0) },
            (1, rs1, 0) => c(Jalr, 1, rs1, 0, 0),   // c.jalr
            (1, rd, rs2) => c(Add, rd, rd, rs2, 0), // c.add
            _ => illegal,
        },
        (0b10, 0b110) => {
            // c.swsp: uimm[5:2|7:6].
            let imm = (bits(raw, 12, 9) << 2) | (bits(raw, 8, 7) << 6);
            c(Sw, 0, 2, r_lo, i64::from(imm))
        }
        (0b10, 0b111) => {
            // c.sdsp: uimm[5:3|8:6].
            let imm = (bits(raw, 12, 10) << 3) | (bits(raw, 9, 7) << 6);
            c(Sd, 0, 2, r_lo, i64::from(imm))
        }
        // Floating-point compressed loads/stores (c.fld, c.fsd, …) and reserved slots.
        _ => illegal,
    }
}

/// c.lw / c.sw offset: uimm[5:3|2|6].
fn cl_w_offset(raw: u32) -> u32 {
    (bits(raw, 12, 10) << 3) | (bits(raw, 6, 6) << 2) | (bits(raw, 5, 5) << 6)
}

/// c.ld / c.sd offset: uimm[5:3|7:6].
fn cl_d_offset(raw: u32) -> u32 {
    (bits(raw, 12, 10) << 3) | (bits(raw, 6, 5) << 6)
}

/// c.j offset: imm[11|4|9:8|10|6|7|3:1|5].
fn cj_offset(raw: u32) -> i64 {
    sext(
        (bits(raw, 12, 12) << 11)
            | (bits(raw, 11, 11) << 4)
            | (bits(raw, 10, 9) << 8)
            | (bits(raw, 8, 8) << 10)
            | (bits(raw, 7, 7) << 6)
            | (bits(raw, 6, 6) << 7)
            | (bits(raw, 5, 3) << 1)
            | (bits(raw, 2, 2) << 5),
        12,
    )
}

/// c.beqz / c.bnez offset: imm[8|4:3] … imm[7:6|2:1|5].
fn cb_offset(raw: u32) -> i64 {
    sext(
        (bits(raw, 12, 12) << 8)
            | (bits(raw, 11, 10) << 3)
            | (bits(raw, 6, 5) << 6)
            | (bits(raw, 4, 3) << 1)
            | (bits(raw, 2, 2) << 5),
        9,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base_formats() {
        // addi a0, a0, -1
        assert_eq!(
            decode32(0xfff5_0513),
            Inst { op: Op::Addi, rd: 10, rs1: 10, rs2: 0, imm: -1, len: 4, raw: 0xfff5_0513 }
        );
        // lui a0, 0xfffff  -> imm = -4096
        assert_eq!(decode32(0xffff_f537).imm, -4096);
        // jal ra, -8 (0xff9ff0ef)
        let j = decode32(0xff9f_f0ef);
        assert_eq!((j.op, j.rd, j.imm), (Op::Jal, 1, -8));
        // bne a0, a1, +16 (0x00b51863)
        let b = decode32(0x00b5_1863);
        assert_eq!((b.op, b.rs1, b.rs2, b.imm), (Op::Bne, 10, 11, 16));
        // sd ra, 8(sp) (0x00113423)
        let s = decode32(0x0011_3423);
        assert_eq!((s.op, s.rs1, s.rs2, s.imm), (Op::Sd, 2, 1, 8));
        // srai a0, a0, 63 (0x43f55513)
        let sh = decode32(0x43f5_5513);
        assert_eq!((sh.op, sh.imm), (Op::Srai, 63));
        // amoadd.d.aqrl a0, a1, (a2) (0x06b6352f)
        assert_eq!(decode32(0x06b6_352f).op, Op::AmoAddD);
        // csrrw x0, mstatus, x0
        assert_eq!(decode32(0x3000_1073).op, Op::Unsupported("csrrw"));
        assert_eq!(decode32(0).op, Op::Illegal);
        assert_eq!(decode32(0xffff_ffff).op, Op::Illegal);
    }

    #[test]
    fn decodes_compressed() {
        // c.addi a0, -1 (0x157d)
        let i = decode_compressed(0x157d);
        assert_eq!((i.op, i.rd, i.rs1, i.imm, i.len), (Op::Addi, 10, 10, -1, 2));
        // c.ldsp ra, 8(sp) (0x60a2)
        let l = decode_compressed(0x60a2);
        assert_eq!((l.op, l.rd, l.rs1, l.imm), (Op::Ld, 1, 2, 8));
        // c.jr ra (0x8082) = ret
        let r = decode_compressed(0x8082);
        assert_eq!((r.op, r.rd, r.rs1, r.imm), (Op::Jalr, 0, 1, 0));
        // c.addi16sp sp, -64 (0x7139)
        let a = decode_compressed(0x7139);
        assert_eq!((a.op, a.rd, a.rs1, a.imm), (Op::Addi, 2, 2, -64));
        // c.j -2 (0xbffd)
        let j = decode_compressed(0xbffd);
        assert_eq!((j.op, j.imm), (Op::Jal, -2));
        assert_eq!(decode_compressed(0).op, Op::Illegal);
        assert_eq!(decode_compressed(0x9002).op, Op::Unsupported("c.ebreak"));
    }
}
