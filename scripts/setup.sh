#!/usr/bin/env bash
# Sets up a fresh Debian machine for ziskjit: the external tools the tests use as
# oracles (qemu-riscv64, GNU binutils for RISC-V), the stock Rust target for guests,
# then builds the example guests and ziskjit itself. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v qemu-riscv64 >/dev/null || missing+=(qemu-user)
command -v riscv64-unknown-elf-as >/dev/null || missing+=(binutils-riscv64-unknown-elf)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]} (apt)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

rustup target add riscv64imac-unknown-none-elf >/dev/null

echo "setup: building the example guests (examples/, target riscv64imac-unknown-none-elf)" >&2
(cd examples && env -u CARGO_TARGET_DIR -u RUSTFLAGS cargo build --release --quiet)
echo "setup: building ziskjit" >&2
cargo build --release --quiet
echo "setup: done; example ELFs are in examples/target/riscv64imac-unknown-none-elf/release/" >&2
