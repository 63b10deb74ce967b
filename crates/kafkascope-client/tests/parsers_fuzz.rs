//! Bounded fuzzing of the hand-written readers of what users and brokers
//! hand kafkascope: client properties files, JAAS configs and record batch
//! headers. Whatever the input, each answers with a value or a clear error
//! and never panics; well-formed input reads back as written.

use kafkascope_client::admin::record_batch_header::{Position, locate_each};
use kafkascope_client::client_properties::{
    parse_client_properties, parse_jaas_config, parse_jaas_module,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_client_properties_never_panic(text in ".{0,300}") {
        let _ = parse_client_properties(&text);
    }

    #[test]
    fn fuzz_client_properties_lines_never_panic(
        lines in proptest::collection::vec(
            (
                prop::sample::select(vec![
                    "security.protocol", "sasl.mechanism", "sasl.jaas.config", "ssl.truststore.location",
                    "ssl.endpoint.identification.algorithm", "sasl.oauthbearer.token.endpoint.url",
                    "sasl.login.connect.timeout.ms", "bootstrap.servers", "x",
                ]),
                prop::sample::select(vec!["=", ":", " ", "\\t", "=\\\\", " = "]),
                ".{0,60}",
            ),
            0..8,
        )
    ) {
        let text: String = lines
            .iter()
            .map(|(key, separator, value)| format!("{key}{separator}{value}\n"))
            .collect();
        let _ = parse_client_properties(&text);
    }

    #[test]
    fn fuzz_jaas_never_panics(text in ".{0,200}") {
        let _ = parse_jaas_config(&text);
        let _ = parse_jaas_module(&text);
    }

    #[test]
    fn well_formed_jaas_reads_back(user in "[a-zA-Z0-9_.-]{1,20}", password in "[a-zA-Z0-9 _.;=-]{0,30}") {
        let text = format!(
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"{user}\" password=\"{password}\";"
        );
        let credentials = parse_jaas_config(&text).unwrap();
        prop_assert_eq!(credentials.username, user);
        prop_assert_eq!(credentials.password, password);
    }

    #[test]
    fn fuzz_record_batches_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        next in -5i64..200,
        high_watermark in -5i64..200,
    ) {
        let answers = locate_each(&bytes, &[Position::at(next), Position::at(next + 1)], high_watermark);
        prop_assert_eq!(answers.len(), 2);
    }
}
