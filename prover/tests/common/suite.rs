//! The toy-table tests every configuration must pass, as a macro: a test file defines
//! `F` (the base field), `EF` (the challenge field), `SC` (the STARK configuration) and
//! `fn config() -> Config<SC>`, then invokes [`toy_suite!`] to get these tests (and the
//! helpers `prove_one`, `lookup_program`, `counter_run`) for its configuration. The
//! Goldilocks suite runs in `toy.rs`, the KoalaBear one in `koala_bear.rs`.

/// Expands to the shared toy-table tests for the file's `F`, `EF`, `SC` and `config()`.
#[allow(unused_macros)] // not every test binary that includes `common` runs the suite
macro_rules! toy_suite {
    () => {
        /// Proves a single segment with statement `statement`.
        fn prove_one(
            config: &Config<SC>,
            pk: &ProvingKey<SC>,
            tables: &[Toy],
            statement: &Statement<F>,
            witness: SegmentWitness<F>,
        ) -> Vec<SegmentProof<SC>> {
            prove_segments(config, pk, tables, statement, 1, 0, |_| Ok::<_, String>(witness.clone()))
                .expect("proving succeeds")
        }

        /// Base coordinates of one challenge-field element.
        const EXTENSION_DEGREE: usize = <EF as p3_field::BasedVectorSpace<F>>::DIMENSION;

        #[test]
        fn fibonacci_proves_and_verifies() {
            let config = config();
            let tables = [Toy::Fibonacci];
            let pk = setup(&config, &tables).unwrap();
            let statement = Statement::default();
            // 64 rows: F_64 exceeds a 31-bit modulus, which the constraints wrap with.
            let witness = fibonacci_witness::<F>(64, 0, 1);
            check_witness(&config, &pk, &tables, 0, &witness).unwrap();
            let proofs = prove_one(&config, &pk, &tables, &statement, witness);
            // A degree-2 table: one quotient chunk of one challenge-field element.
            assert_eq!(proofs[0].openings[0].quotient_chunks.len(), 1);
            assert_eq!(proofs[0].openings[0].quotient_chunks[0].len(), EXTENSION_DEGREE);
            verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
        }

        #[test]
        fn changed_trace_cell_fails() {
            let config = config();
            let tables = [Toy::Fibonacci];
            let pk = setup(&config, &tables).unwrap();
            let mut witness = fibonacci_witness::<F>(64, 0, 1);
            witness.traces[0].values[2 * 17 + 1] += F::ONE;
            // The debug checker names the first broken constraint.
            let err = check_witness(&config, &pk, &tables, 0, &witness).unwrap_err();
            assert!(matches!(err, ProveError::Constraint { row: 16 | 17, .. }), "{err}");
            let statement = Statement::default();
            let proofs = prove_one(&config, &pk, &tables, &statement, witness);
            let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
            assert!(matches!(err, VerifyError::ConstraintMismatch { .. }), "{err}");
        }

        #[test]
        fn wrong_public_value_fails() {
            let config = config();
            let tables = [Toy::Fibonacci];
            let pk = setup(&config, &tables).unwrap();
            let mut witness = fibonacci_witness::<F>(16, 0, 1);
            witness.public_values[2] += F::ONE;
            let statement = Statement::default();
            let proofs = prove_one(&config, &pk, &tables, &statement, witness);
            let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
            assert!(matches!(err, VerifyError::ConstraintMismatch { .. }), "{err}");
        }

        fn lookup_program(offset: u64) -> [Toy; 2] {
            [Toy::Range { offset }, Toy::Squares]
        }

        #[test]
        fn lookup_between_tables_of_different_heights() {
            let config = config();
            let tables = lookup_program(0);
            let pk = setup(&config, &tables).unwrap();
            assert!(pk.vk.preprocessed.is_some());
            let statement = Statement::default();
            let witness = lookup_witness::<F>(0, 1024, 7, None);
            assert_eq!(witness.traces[0].values.len(), 256);
            check_witness(&config, &pk, &tables, 0, &witness).unwrap();
            let proofs = prove_one(&config, &pk, &tables, &statement, witness);
            assert_eq!(proofs[0].commitment.log_heights, vec![8, 10]);
            // Each table has one interaction, so one LogUp column (the running sum).
            for (key, o) in pk.vk.tables.iter().zip(&proofs[0].openings) {
                assert_eq!(key.analysis.num_logup_columns(), 1);
                assert_eq!((o.aux_local.len(), o.aux_next.len()), (EXTENSION_DEGREE, EXTENSION_DEGREE));
                assert!(o.quotient_chunks.iter().all(|q| q.len() == EXTENSION_DEGREE));
            }
            // Each table's partial sum is non-zero; together they cancel.
            assert!(proofs[0].bus_sums.iter().all(|s| *s != EF::ZERO));
            assert_eq!(proofs[0].bus_sum(), EF::ZERO);
            verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
        }

        #[test]
        fn unbalanced_bus_fails() {
            let config = config();
            let tables = lookup_program(0);
            let pk = setup(&config, &tables).unwrap();
            let statement = Statement::default();
            // Row 5 looks up 256, which the range table does not hold: every constraint
            // holds, only the bus is off.
            let witness = lookup_witness::<F>(0, 1024, 7, Some(5));
            check_witness(&config, &pk, &tables, 0, &witness).unwrap();
            let proofs = prove_one(&config, &pk, &tables, &statement, witness);
            let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
            assert!(matches!(err, VerifyError::Unbalanced(_)), "{err}");
        }

        #[test]
        fn lookup_table_absent_from_a_segment() {
            let config = config();
            let tables = lookup_program(0);
            let pk = setup(&config, &tables).unwrap();
            let statement = Statement::default();
            let proofs = prove_segments(&config, &pk, &tables, &statement, 2, 0, |k| {
                Ok::<_, String>(shared_range_witness::<F>(k))
            })
            .expect("proving succeeds");
            // Segment 0 commits, opens and sums nothing for the range table; segment 1's
            // range table receives both segments' lookups.
            assert_eq!(proofs[0].commitment.log_heights, vec![ABSENT, 6]);
            let range_openings = &proofs[0].openings[0];
            assert_eq!(range_openings.preprocessed_local.len(), 1, "fixed columns opened at ζ only");
            assert_eq!(
                *range_openings,
                TableOpenings { preprocessed_local: range_openings.preprocessed_local.clone(), ..Default::default() }
            );
            assert_eq!(proofs[0].bus_sums[0], EF::ZERO);
            assert_ne!(proofs[0].bus_sum(), EF::ZERO);
            assert_eq!(proofs[0].bus_sum() + proofs[1].bus_sum(), EF::ZERO);
            verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
            let bytes = encode_proofs(&config, &proofs).unwrap();
            verify_segments(&config, &tables, &pk.vk, &statement, &decode_proofs(&config, &bytes).unwrap()).unwrap();

            // The range table left out of every segment: segment 0's lookups find no
            // receiver.
            let proofs = prove_segments(&config, &pk, &tables, &statement, 2, 0, |k| {
                let mut w = shared_range_witness::<F>(k);
                w.traces[0] = RowMajorMatrix::new(Vec::new(), 1);
                Ok::<_, String>(w)
            })
            .unwrap();
            let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
            assert!(matches!(err, VerifyError::Unbalanced(_)), "{err}");
        }

        const SEGMENT_ROWS: usize = 64;

        /// Everything a counter-run test needs: configuration, tables, keys, statement,
        /// proofs.
        type CounterRun = (Config<SC>, [Toy; 1], ProvingKey<SC>, Statement<F>, Vec<SegmentProof<SC>>);

        fn counter_run(segments: usize) -> CounterRun {
            let config = config();
            let tables = [Toy::Counter];
            let pk = setup(&config, &tables).unwrap();
            let statement = Statement {
                public_values: vec![F::from_u64(segments as u64)],
                boundary: counter_boundary(segments, SEGMENT_ROWS),
            };
            let proofs = prove_segments(&config, &pk, &tables, &statement, segments, 2, |k| {
                Ok::<_, String>(counter_witness(k, SEGMENT_ROWS))
            })
            .unwrap();
            (config, tables, pk, statement, proofs)
        }

        #[test]
        fn message_sent_in_one_segment_received_in_the_next() {
            let (config, tables, pk, statement, proofs) = counter_run(3);
            // No segment balances on its own; all of them with the boundary do.
            assert!(proofs.iter().all(|p| p.bus_sum() != EF::ZERO));
            // Two interactions of degree 2 (no room to pair them): a batch column and
            // the running sum.
            assert_eq!(proofs[0].openings[0].aux_local.len(), 2 * EXTENSION_DEGREE);
            verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
        }

        #[test]
        fn missing_segment_fails() {
            let (config, tables, pk, statement, mut proofs) = counter_run(3);
            proofs.pop();
            assert!(verify_segments(&config, &tables, &pk.vk, &statement, &proofs).is_err());
            // Even with a statement adjusted to the shorter run, the global challenge
            // differs.
            let shorter = Statement {
                public_values: statement.public_values.clone(),
                boundary: counter_boundary(2, SEGMENT_ROWS),
            };
            assert!(verify_segments(&config, &tables, &pk.vk, &shorter, &proofs).is_err());
            proofs.remove(0);
            assert!(verify_segments(&config, &tables, &pk.vk, &statement, &proofs).is_err());
        }

        #[test]
        fn swapped_segments_fail() {
            let (config, tables, pk, statement, mut proofs) = counter_run(3);
            proofs.swap(0, 1);
            let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
            assert!(matches!(err, VerifyError::SegmentIndex { .. }), "{err}");
            // Renumbering the swapped proofs does not help: their transcripts bind the
            // index.
            proofs[0].commitment.index = 0;
            proofs[1].commitment.index = 1;
            assert!(verify_segments(&config, &tables, &pk.vk, &statement, &proofs).is_err());
        }

        #[test]
        fn proofs_and_keys_round_trip() {
            let (config, tables, pk, statement, proofs) = counter_run(2);
            let bytes = encode_proofs(&config, &proofs).unwrap();
            let vk_bytes = encode_vk(&config, &pk.vk).unwrap();
            let decoded = decode_proofs(&config, &bytes).unwrap();
            let vk = decode_vk(&config, &vk_bytes).unwrap();
            verify_segments(&config, &tables, &vk, &statement, &decoded).unwrap();
            assert_eq!(encode_proofs(&config, &decoded).unwrap(), bytes);
            assert_eq!(encode_vk(&config, &vk).unwrap(), vk_bytes);
            // A key with a preprocessed commitment round-trips too.
            let lookup_pk = setup(&config, &lookup_program(3)).unwrap();
            let lookup_vk_bytes = encode_vk(&config, &lookup_pk.vk).unwrap();
            assert_eq!(encode_vk(&config, &decode_vk(&config, &lookup_vk_bytes).unwrap()).unwrap(), lookup_vk_bytes);
        }

        /// Segments of different heights, some shorter than a packed vector (up to 16
        /// lanes): the LogUp columns and the quotient wrap their lanes.
        #[test]
        fn segments_may_have_different_heights() {
            let config = config();
            let tables = [Toy::Counter];
            let pk = setup(&config, &tables).unwrap();
            let rows = [64usize, 128, 16, 2, 4, 8, 32];
            let starts: Vec<usize> = rows.iter().scan(0, |s, &n| Some(std::mem::replace(s, *s + n))).collect();
            let total: usize = rows.iter().sum();
            let statement = Statement {
                public_values: vec![],
                boundary: vec![
                    BusMessage::send(STATE_BUS, vec![F::ZERO]),
                    BusMessage::receive(STATE_BUS, vec![F::from_u64(total as u64)]),
                ],
            };
            let witness = |k: usize| {
                Ok::<_, String>(SegmentWitness {
                    traces: vec![RowMajorMatrix::new_col(
                        (0..rows[k]).map(|r| F::from_u64((starts[k] + r) as u64)).collect(),
                    )],
                    public_values: vec![],
                })
            };
            let proofs = prove_segments(&config, &pk, &tables, &statement, rows.len(), 1, witness).unwrap();
            let heights: Vec<u8> = proofs.iter().map(|p| p.commitment.log_heights[0]).collect();
            assert_eq!(heights, vec![6, 7, 4, 1, 2, 3, 5]);
            verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
        }
    };
}

#[allow(unused_imports)]
pub(crate) use toy_suite;
