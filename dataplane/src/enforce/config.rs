//! The `enforcement` section of the dataplane configuration: how block
//! verdicts are carried out when a rule does not say.

use anyhow::{bail, Result};
use palisade_rules::BlockVerdict;
use serde::Deserialize;

/// How blocks are carried out (one copy per worker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnforceConfig {
    /// Inline mode: verdicts are carried out. Otherwise (tap) they are
    /// reported, and resets are sent only when `tap_resets`.
    pub inline: bool,
    /// Craft frames at all (false offline: verdicts are counted and drops
    /// carried out, nothing is sent).
    pub craft: bool,
    /// Tap mode: send resets (for every block verdict) out of the reset port.
    pub tap_resets: bool,
    /// The verdict of a block rule without `verdict`.
    pub verdict: BlockVerdict,
    /// The status of a `respond` verdict without `respond`.
    pub status: u16,
    /// `Retry-After` seconds of a 429 whose rule gives none.
    pub retry_after: u32,
    /// Most flows held in a tarpit at once per worker; more are reset.
    pub max_tarpit: usize,
    /// Most answered flows whose closing is followed per worker; past it
    /// their later packets are only dropped.
    pub max_responded: usize,
    /// Most rules counted one by one per worker; others count together.
    pub max_rules_counted: usize,
}

impl Default for EnforceConfig {
    fn default() -> Self {
        EnforceConfig {
            inline: true,
            craft: true,
            tap_resets: false,
            verdict: BlockVerdict::Drop,
            status: 403,
            retry_after: 60,
            max_tarpit: 1024,
            max_responded: 16_384,
            max_rules_counted: 4096,
        }
    }
}

/// The `enforcement` section as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnforceSettings {
    /// `drop`, `reset`, `respond` or `tarpit`: for block rules without
    /// `verdict`.
    pub verdict: String,
    /// HTTP status of `respond` verdicts whose rule gives none.
    pub status: u16,
    /// `Retry-After` of a 429 whose rule gives none, in seconds.
    pub retry_after: u32,
    /// Most flows held in a tarpit at once per worker.
    pub max_tarpit: usize,
    /// Tap mode: the port (by name) resets are sent out of; none: no resets.
    pub reset_port: Option<String>,
}

impl Default for EnforceSettings {
    fn default() -> Self {
        let d = EnforceConfig::default();
        EnforceSettings {
            verdict: d.verdict.name().to_owned(),
            status: d.status,
            retry_after: d.retry_after,
            max_tarpit: d.max_tarpit,
            reset_port: None,
        }
    }
}

impl EnforceSettings {
    /// Checks the values; `ports` are the configured port names.
    pub fn validate(&self, inline: bool, ports: &[&str]) -> Result<()> {
        if BlockVerdict::from_name(&self.verdict).is_none() {
            bail!(
                "enforcement.verdict: {:?} is not one of {}",
                self.verdict,
                BlockVerdict::NAMES.join(", ")
            );
        }
        if !(100..=599).contains(&self.status) {
            bail!(
                "enforcement.status: {} is out of range (100 to 599)",
                self.status
            );
        }
        if self.retry_after > 86_400 {
            bail!(
                "enforcement.retry_after: {} is out of range (0 to 86400)",
                self.retry_after
            );
        }
        if self.max_tarpit > 1 << 20 {
            bail!(
                "enforcement.max_tarpit: {} is out of range (0 to 2^20)",
                self.max_tarpit
            );
        }
        if let Some(port) = &self.reset_port {
            if inline {
                bail!("enforcement.reset_port: only tap mode sends resets out of a separate port");
            }
            if !ports.contains(&port.as_str()) {
                bail!("enforcement.reset_port: no port is named {port:?}");
            }
        }
        Ok(())
    }

    /// The per-worker settings.
    pub fn config(&self, inline: bool) -> EnforceConfig {
        EnforceConfig {
            inline,
            tap_resets: !inline && self.reset_port.is_some(),
            verdict: BlockVerdict::from_name(&self.verdict).unwrap_or(BlockVerdict::Drop),
            status: self.status,
            retry_after: self.retry_after,
            max_tarpit: self.max_tarpit,
            ..EnforceConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(yaml: &str) -> EnforceSettings {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn values_are_checked_with_their_key() {
        let ports = ["a", "b"];
        let err = |yaml: &str, inline: bool| {
            settings(yaml)
                .validate(inline, &ports)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("verdict: bounce", true),
            "enforcement.verdict: \"bounce\" is not one of drop, reset, respond, tarpit"
        );
        assert_eq!(
            err("status: 700", true),
            "enforcement.status: 700 is out of range (100 to 599)"
        );
        assert_eq!(
            err("reset_port: a", true),
            "enforcement.reset_port: only tap mode sends resets out of a separate port"
        );
        assert_eq!(
            err("reset_port: c", false),
            "enforcement.reset_port: no port is named \"c\""
        );
        assert!(settings("{verdict: tarpit, reset_port: b}")
            .validate(false, &ports)
            .is_ok());
    }

    #[test]
    fn tap_mode_resets_only_with_a_reset_port() {
        let s = settings("{verdict: respond, status: 429, reset_port: b}");
        let tap = s.config(false);
        assert!(!tap.inline && tap.tap_resets);
        assert_eq!((tap.verdict, tap.status), (BlockVerdict::Respond, 429));
        assert!(!settings("{}").config(false).tap_resets);
        assert_eq!(
            EnforceSettings::default().config(true),
            EnforceConfig::default()
        );
    }
}
