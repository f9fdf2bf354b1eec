//! Example guest: parses a JSON document with `serde_json` into a `Value` tree and
//! walks it, as a branchy, allocation-heavy benchmark (soft-float number parsing
//! included: the target has no FPU).
//!
//! Input: one UTF-8 JSON document (any value at the top level).
//!
//! Public output, 9 little-endian u64s:
//! * how many nulls, booleans, numbers, strings, arrays and objects it contains
//!   (object keys are not counted as strings);
//! * the maximum nesting depth (a scalar at the top level is depth 1, `[[]]` is 2);
//! * the wrapping sum of all numbers that are integers in the i64 or u64 range
//!   (two's complement for negative ones);
//! * the total UTF-8 length of all strings and object keys, after unescaping.
//!
//! A document that is not valid JSON exits with code 1 and `error: invalid JSON: …`
//! naming the line and column.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use serde_json::Value;

ziskjit_guest::entry!(main);

/// The statistics committed, in output order.
#[derive(Default)]
struct Stats {
    nulls: u64,
    bools: u64,
    numbers: u64,
    strings: u64,
    arrays: u64,
    objects: u64,
    max_depth: u64,
    integer_sum: u64,
    text_bytes: u64,
}

impl Stats {
    fn visit(&mut self, value: &Value, depth: u64) {
        self.max_depth = self.max_depth.max(depth);
        match value {
            Value::Null => self.nulls += 1,
            Value::Bool(_) => self.bools += 1,
            Value::Number(n) => {
                self.numbers += 1;
                if let Some(i) = n.as_i64() {
                    self.integer_sum = self.integer_sum.wrapping_add(i as u64);
                } else if let Some(u) = n.as_u64() {
                    self.integer_sum = self.integer_sum.wrapping_add(u);
                }
            }
            Value::String(s) => {
                self.strings += 1;
                self.text_bytes += s.len() as u64;
            }
            Value::Array(items) => {
                self.arrays += 1;
                items.iter().for_each(|item| self.visit(item, depth + 1));
            }
            Value::Object(fields) => {
                self.objects += 1;
                for (key, item) in fields {
                    self.text_bytes += key.len() as u64;
                    self.visit(item, depth + 1);
                }
            }
        }
    }
}

fn main() -> Result<(), String> {
    let input = ziskjit_guest::read_input();
    let document: Value = serde_json::from_slice(&input).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut stats = Stats::default();
    stats.visit(&document, 1);
    let Stats { nulls, bools, numbers, strings, arrays, objects, max_depth, integer_sum, text_bytes } = stats;
    for word in [nulls, bools, numbers, strings, arrays, objects, max_depth, integer_sum, text_bytes] {
        ziskjit_guest::commit_u64(word);
    }
    Ok(())
}
