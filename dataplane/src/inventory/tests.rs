//! Unit tests of the inventory: detectors against published reference
//! values, value types, templates from value distributions, the OpenAPI
//! export's shape and compliance findings.

mod detectors;
mod templates;
