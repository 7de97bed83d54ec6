//! `/api/<resource>/schema`: the JSON Schema describing each resource.
//!
//! SWAPI serves these documents from a plain view rather than through its
//! API framework, by loading the file and printing it with Python's
//! `json.dumps` defaults: on one line, with `", "` between items and `": "`
//! after keys, in the file's key order. The replica prints them the same way
//! (the documents are ASCII, so Python's escaping of other characters never
//! comes into play).

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};
use serde_json::Value;

use super::Resource;

/// The embedded schema documents, in [`Resource::ALL`] order.
const SCHEMAS: [&str; 6] = [
    include_str!("../../data/swapi/schemas/people.json"),
    include_str!("../../data/swapi/schemas/planets.json"),
    include_str!("../../data/swapi/schemas/films.json"),
    include_str!("../../data/swapi/schemas/species.json"),
    include_str!("../../data/swapi/schemas/vehicles.json"),
    include_str!("../../data/swapi/schemas/starships.json"),
];

/// The body served at `/api/<resource>/schema`.
pub(crate) fn body(resource: Resource) -> Result<Vec<u8>, serde_json::Error> {
    let document: Value = serde_json::from_str(SCHEMAS[resource.index()])?;
    let mut out = Vec::new();
    document.serialize(&mut Serializer::with_formatter(&mut out, PythonStyle))?;
    Ok(out)
}

/// serde_json's compact output, with the spacing of Python's `json.dumps`.
struct PythonStyle;

impl Formatter for PythonStyle {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.begin_array_value(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_parses() {
        for resource in Resource::ALL {
            let body = body(resource).expect("embedded schema is JSON");
            let reparsed: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(reparsed["type"], "object", "{resource}");
        }
    }

    #[test]
    fn schemas_print_like_python_json_dumps() {
        let people = String::from_utf8(body(Resource::People).unwrap()).unwrap();
        assert!(people.starts_with(
            r#"{"$schema": "http://json-schema.org/draft-04/schema", "title": "People", "description": "A person within the Star Wars universe", "type": "object", "p"#
        ));
        // The length `json.dumps(json.load(f))` gives for people.json.
        assert_eq!(people.len(), 1988);
    }
}
