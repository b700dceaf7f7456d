//! Conditions: `all`, `any`, `not` and tests of one field.
//!
//! A condition is a mapping that holds either exactly one of `all`, `any`,
//! `not`, or a test: `field` (plus `name` for named fields), optional
//! `transforms` and flags, and exactly one operator key. Recursion follows
//! the YAML nesting, which the YAML layer caps at [`crate::yaml::MAX_DEPTH`].

use super::operator::{self, Flags, OPERATORS};
use crate::condition::{Condition, Operator, Test, Transform};
use crate::diag::{Mark, Sink};
use crate::field::{self, Field, JsonPath, Shape};
use crate::reader::{self, Map};
use crate::yaml::Node;

const COMBINATORS: &[&str] = &["all", "any", "not"];

const TEST_KEYS: &[&str] = &[
    "field",
    "name",
    "transforms",
    "nocase",
    "dotall",
    "multiline",
];

/// Reads a condition, or `None` after reporting what is wrong with it.
pub(super) fn condition(sink: &mut Sink, node: &Node) -> Option<Condition> {
    let known: Vec<&str> = [COMBINATORS, TEST_KEYS, OPERATORS].concat();
    let before = sink.count();
    let map = Map::read(sink, node, "a condition", &known)?;
    let keys_ok = sink.count() == before;
    let combinator = map.keys().find(|k| COMBINATORS.contains(&reader::text(k)));
    if let Some(combinator) = combinator {
        return combination(sink, &map, combinator);
    }
    if map.get("field").is_some() {
        return test(sink, &map, keys_ok).map(Condition::Test);
    }
    if keys_ok {
        sink.error(map.mark, "a condition needs `field`, `all`, `any` or `not`");
    }
    None
}

/// Reads an `all`, `any` or `not` condition, which takes no other key.
fn combination(sink: &mut Sink, map: &Map<'_>, combinator: &Node) -> Option<Condition> {
    let name = reader::text(combinator);
    if let Some(other) = map.keys().find(|k| reader::text(k) != name) {
        let message = format!(
            "a condition with `{name}` takes no other key, found `{}`",
            reader::excerpt(reader::text(other))
        );
        sink.error(other.mark, message);
        return None;
    }
    let value = map.get(name)?;
    match name {
        "not" => Some(Condition::Not(Box::new(condition(sink, value)?))),
        "all" => members(sink, value, name).map(Condition::All),
        _ => members(sink, value, name).map(Condition::Any),
    }
}

/// Reads the non-empty list of an `all` or `any`.
fn members(sink: &mut Sink, node: &Node, name: &str) -> Option<Vec<Condition>> {
    let items = reader::list(sink, node, &format!("`{name}`"))?;
    if items.is_empty() {
        sink.error(
            node.mark,
            format!("`{name}` must list at least one condition"),
        );
        return None;
    }
    let members: Vec<Option<Condition>> = items.iter().map(|i| condition(sink, i)).collect();
    members.into_iter().collect()
}

/// Reads a test of one field; `keys_ok` is false when its mapping had a
/// misspelt key, which may be the operator it seems to lack.
fn test(sink: &mut Sink, map: &Map<'_>, keys_ok: bool) -> Option<Test> {
    let field = map.get("field").and_then(|n| field(sink, map, n));
    let transforms = map
        .get("transforms")
        .map_or(Some(Vec::new()), |n| transforms(sink, n));
    let flags = flags(sink, map);
    let operator = flags.and_then(|flags| operator_of(sink, map, field.as_ref(), flags, keys_ok));
    let (operator, value) = operator?;
    Some(Test {
        field: field?,
        transforms: transforms?,
        operator,
        origin: sink.location(map.mark),
        value_origin: sink.location(value),
    })
}

/// Reads `field` and, for named fields, `name`.
fn field(sink: &mut Sink, map: &Map<'_>, node: &Node) -> Option<Field> {
    let name = reader::one_of(sink, node, "`field`", "transaction field", Field::NAMES)?;
    let shape = field::shape_of(name)?;
    let selector = map.get("name");
    match (shape, selector) {
        (Shape::Plain(field), None) => Some(field),
        (Shape::Plain(_), Some(_)) => {
            let key = map.key("name")?;
            sink.error(key.mark, format!("field `{name}` takes no `name`"));
            None
        }
        (Shape::Named(_) | Shape::Json(_), None) => {
            sink.error(map.mark, format!("field `{name}` needs a `name`"));
            None
        }
        (Shape::Named(build), Some(selector)) => {
            let text = reader::non_empty(sink, selector, "`name`")?;
            Some(build(text.to_string()))
        }
        (Shape::Json(build), Some(selector)) => {
            let text = reader::non_empty(sink, selector, "`name`")?;
            match JsonPath::parse(text) {
                Ok(path) => Some(build(path)),
                Err(why) => {
                    sink.error(selector.mark, why);
                    None
                }
            }
        }
    }
}

/// Reads the `transforms` list.
fn transforms(sink: &mut Sink, node: &Node) -> Option<Vec<Transform>> {
    let items = reader::list(sink, node, "`transforms`")?;
    let names: Vec<&str> = Transform::ALL.iter().map(|t| t.name()).collect();
    let read: Vec<Option<Transform>> = items
        .iter()
        .map(|item| {
            let name = reader::one_of(sink, item, "a transform", "transform", &names)?;
            Transform::from_name(name)
        })
        .collect();
    read.into_iter().collect()
}

/// Reads the `nocase`, `dotall` and `multiline` flags.
fn flags(sink: &mut Sink, map: &Map<'_>) -> Option<Flags> {
    let mut read = |key: &str| match map.get(key) {
        None => Some(false),
        Some(node) => reader::boolean(sink, node, &format!("`{key}`")),
    };
    let (nocase, dotall, multiline) = (read("nocase"), read("dotall"), read("multiline"));
    Some(Flags {
        nocase: nocase?,
        dotall: dotall?,
        multiline: multiline?,
    })
}

/// Finds the test's single operator key and reads its value.
fn operator_of(
    sink: &mut Sink,
    map: &Map<'_>,
    field: Option<&Field>,
    flags: Flags,
    keys_ok: bool,
) -> Option<(Operator, Mark)> {
    let mut found = map.keys().filter(|k| OPERATORS.contains(&reader::text(k)));
    let Some(first) = found.next() else {
        if !keys_ok {
            return None;
        }
        let on = field.map_or(String::new(), |f| format!(" on `{}`", f.name()));
        let message = format!(
            "test{on} has no operator; expected one of: {}",
            OPERATORS.join(", ")
        );
        sink.error(map.mark, message);
        return None;
    };
    if let Some(second) = found.next() {
        let message = format!(
            "a test takes one operator, found `{}` and `{}`; combine tests with `all`",
            reader::text(first),
            reader::text(second)
        );
        sink.error(second.mark, message);
        return None;
    }
    let name = reader::text(first);
    let flags_apply = operator::check_flags(sink, map, name);
    let value = map.get(name)?;
    let operator = operator::operator(sink, name, value, flags);
    flags_apply.and(operator).map(|o| (o, value.mark))
}
