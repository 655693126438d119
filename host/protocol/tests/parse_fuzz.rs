//! Whatever a page, a buggy extension or a corrupted pipe sends, parsing a request never
//! panics, and every failure is an `error` event that says what was wrong.

use glossa_protocol::{parse_request, EventBody, REQUEST_TYPES};
use proptest::prelude::*;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
        prop::sample::select(REQUEST_TYPES).prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("type".to_owned()),
                    Just("image".to_owned()),
                    Just("cues".to_owned()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(event) = parse_request(&bytes) {
            let is_error = matches!(event.body, EventBody::Error(_));
            prop_assert!(is_error);
        }
    }

    #[test]
    fn arbitrary_json_is_parsed_or_explained(value in json_value(), id in "[a-z0-9]{1,6}", kind in prop::sample::select(REQUEST_TYPES)) {
        // Shapes close to real requests: a real id and type with random fields.
        let mut object = match value {
            serde_json::Value::Object(m) => m,
            other => { let mut m = serde_json::Map::new(); m.insert("x".into(), other); m }
        };
        object.insert("id".into(), id.clone().into());
        object.insert("type".into(), kind.into());
        let bytes = serde_json::to_vec(&object).unwrap();
        match parse_request(&bytes) {
            Ok(request) => prop_assert_eq!(request.id, id),
            Err(event) => {
                prop_assert_eq!(&event.id, &id, "the error names the request");
                match event.body {
                    EventBody::Error(info) => prop_assert!(!info.message.is_empty()),
                    _ => prop_assert!(false, "not an error event"),
                }
            }
        }
    }
}
