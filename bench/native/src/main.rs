//! `bench-native KERNEL`: runs one benchmark kernel natively and prints its digest as
//! the guest does (16 hex digits), so the script can check both computed the same.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let mut scratch = vec![0u64; bench_kernels::SORT_LEN];
    match bench_kernels::run(&name, &mut scratch) {
        Some(digest) => println!("{digest:016x}"),
        None => {
            eprintln!("unknown kernel `{name}`; expected one of {:?}", bench_kernels::KERNELS);
            std::process::exit(2);
        }
    }
}
