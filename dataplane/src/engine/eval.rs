//! Rule logic: which rules hold at a phase, once the databases have run.
//!
//! At each phase only two kinds of rule are evaluated: candidates (a
//! pattern of theirs matched) whose phase it is, and the snapshot's short
//! "always evaluated" list for the phase. A candidate of a later phase is
//! also tried early, with the tests of fields not known yet read as
//! unknown: when it holds whatever they turn out to be (an `any` with a
//! request branch that matched, say), it fires now, so a rule over both a
//! request and its response can still stop the request. Pattern tests read as matched or
//! not; numeric (`eq` .. `ge`) and network (`cidr`) tests are decided here,
//! on first use, over the values of their field, and remembered.

use std::net::IpAddr;

use super::extract::TxFields;
use super::hit::{excerpt, Evidence, Hit};
use super::inspection::Inspection;
use super::snapshot::{Check, Expr, RuleEntry, Snapshot};
use super::source::Phase;
use super::transform::apply;

/// Appends to `hits` every rule of `phase` that holds, with its index.
/// `snapshot` is the one `insp` holds, taken out by the caller once for
/// all the phases it runs.
pub(crate) fn evaluate_phase(
    snapshot: &Snapshot,
    insp: &mut Inspection,
    fields: &mut TxFields<'_>,
    phase: Phase,
    hits: &mut Vec<(u32, Hit)>,
) {
    let always = snapshot.always.get(phase.index());
    if insp.candidates.is_empty() && always.is_none_or(Vec::is_empty) {
        return;
    }
    let mut due: Vec<u32> = insp
        .candidates
        .iter()
        .copied()
        .filter(|r| {
            snapshot
                .rules
                .get(*r as usize)
                .is_some_and(|rule| rule.phase == phase)
        })
        .collect();
    due.extend(always.into_iter().flatten());
    due.sort_unstable();
    due.dedup();
    due.retain(|r| !insp.fired.get(*r as usize));
    let early: Vec<u32> = insp
        .candidates
        .iter()
        .copied()
        .filter(|r| {
            let later = snapshot
                .rules
                .get(*r as usize)
                .is_some_and(|rule| rule.phase > phase);
            later && !insp.fired.get(*r as usize)
        })
        .collect();

    let mut eval = Eval {
        snapshot,
        insp,
        fields,
    };
    for (index, rule) in due
        .iter()
        .filter_map(|r| Some((*r, snapshot.rules.get(*r as usize)?)))
    {
        if eval.holds(&rule.expr) {
            eval.insp.fired.set(index as usize);
            hits.push((index, eval.hit(rule)));
        }
    }
    for (index, rule) in early
        .iter()
        .filter_map(|r| Some((*r, snapshot.rules.get(*r as usize)?)))
    {
        if eval.known(&rule.expr, phase) == Some(true) {
            eval.insp.fired.set(index as usize);
            hits.push((index, eval.hit(rule)));
        }
    }
}

struct Eval<'s, 'i, 'f, 'a> {
    snapshot: &'s Snapshot,
    insp: &'i mut Inspection,
    fields: &'f mut TxFields<'a>,
}

impl Eval<'_, '_, '_, '_> {
    fn holds(&mut self, expr: &Expr) -> bool {
        match expr {
            Expr::All(members) => members.iter().all(|m| self.holds(m)),
            Expr::Any(members) => members.iter().any(|m| self.holds(m)),
            Expr::Not(inner) => !self.holds(inner),
            Expr::Test(test) => self.test(*test),
        }
    }

    /// `expr` at `phase` when tests of later fields are unknown: `None`
    /// when the outcome depends on them.
    fn known(&mut self, expr: &Expr, phase: Phase) -> Option<bool> {
        match expr {
            Expr::All(members) => {
                let mut unknown = false;
                for m in members {
                    match self.known(m, phase) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                (!unknown).then_some(true)
            }
            Expr::Any(members) => {
                let mut unknown = false;
                for m in members {
                    match self.known(m, phase) {
                        Some(true) => return Some(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                (!unknown).then_some(false)
            }
            Expr::Not(inner) => self.known(inner, phase).map(|b| !b),
            Expr::Test(test) => {
                let spec = self.snapshot.tests.get(*test as usize)?;
                let latest = spec.targets.iter().map(|(s, _)| s.phase()).max()?;
                (latest <= phase).then(|| self.test(*test))
            }
        }
    }

    fn test(&mut self, test: u32) -> bool {
        let at = test as usize;
        let Some(spec) = self.snapshot.tests.get(at) else {
            return false;
        };
        if matches!(spec.check, Check::Pattern(_)) {
            return self.insp.matched.get(at);
        }
        if !self.insp.decided.get(at) {
            self.insp.decided.set(at);
            if let Some(evidence) = self.decide(test) {
                self.insp.held.set(at);
                self.insp.evidence.push((test, evidence));
            }
        }
        self.insp.held.get(at)
    }

    /// Decides a numeric or network test over its field's values; the
    /// evidence of the first value that satisfies it.
    fn decide(&mut self, test: u32) -> Option<Evidence> {
        let spec = self.snapshot.tests.get(test as usize)?;
        for (source, selector) in &spec.targets {
            for value in self.fields.values(*source) {
                if !selector.accepts(value.name()) {
                    continue;
                }
                let transformed = apply(&spec.chain, &value.bytes);
                if satisfies(&spec.check, &transformed) {
                    return Some(Evidence {
                        field: spec.field.clone(),
                        name: value.name().map(<[u8]>::to_vec),
                        excerpt: excerpt(&transformed, transformed.len()),
                    });
                }
            }
        }
        None
    }

    fn hit(&self, rule: &RuleEntry) -> Hit {
        Hit {
            rule_id: rule.id,
            action: rule.action.clone(),
            severity: rule.severity,
            shadow: rule.shadow,
            evidence: self.evidence(&rule.expr, false).cloned(),
        }
    }

    /// The evidence of the first test that held outside any `not`.
    fn evidence(&self, expr: &Expr, negated: bool) -> Option<&Evidence> {
        match expr {
            Expr::All(members) | Expr::Any(members) => {
                members.iter().find_map(|m| self.evidence(m, negated))
            }
            Expr::Not(inner) => self.evidence(inner, !negated),
            Expr::Test(_) if negated => None,
            Expr::Test(test) => self.insp.evidence_of(*test),
        }
    }
}

/// Whether one transformed value satisfies a numeric or network check.
fn satisfies(check: &Check, value: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(value) else {
        return false;
    };
    match check {
        Check::Compare(op, right) => text.parse::<i64>().is_ok_and(|left| op.holds(left, *right)),
        Check::Cidr(networks) => text
            .parse::<IpAddr>()
            .is_ok_and(|addr| networks.iter().any(|n| n.contains(addr))),
        Check::Pattern(_) => false,
    }
}
