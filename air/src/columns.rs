//! A table's column layout, declared once as named groups of columns.
//!
//! `columns! { clk: 1, data: 2, /// doc
//! flags: 33, … }` in a table's module defines `Cols<T>` (one row, a `[T; n]` per
//! group), `WIDTH`, `Cols::read`/`Cols::write` to move a row in and out of a flat
//! slice, and `columns(name)`, the range of a group by name — for tests that tamper with
//! one group of a witness and for debugging. The constraints and the witness builder
//! then use the same names, so the layout cannot disagree between them.

/// See the module docs.
macro_rules! columns {
    ($($(#[$doc:meta])* $name:ident: $n:literal),* $(,)?) => {
        /// One row, by column group (see the module docs).
        #[derive(Clone, Debug)]
        pub(super) struct Cols<T> {
            $($(#[$doc])* pub $name: [T; $n],)*
        }

        /// Number of columns.
        pub(super) const WIDTH: usize = 0 $(+ $n)*;

        impl<T: Clone> Cols<T> {
            pub(super) fn read(row: &[T]) -> Self {
                let mut at = 0;
                $(
                    let $name = std::array::from_fn(|k| row[at + k].clone());
                    at += $n;
                )*
                debug_assert_eq!(at, WIDTH);
                Self { $($name,)* }
            }

            pub(super) fn write(&self, row: &mut [T]) {
                let mut at = 0;
                $(
                    row[at..at + $n].clone_from_slice(&self.$name);
                    at += $n;
                )*
                debug_assert_eq!(at, WIDTH);
            }
        }

        /// The columns of group `name`.
        pub(super) fn columns(name: &str) -> Option<std::ops::Range<usize>> {
            let mut at = 0;
            $(
                if name == stringify!($name) {
                    return Some(at..at + $n);
                }
                at += $n;
            )*
            None
        }
    };
}
pub(crate) use columns;
