//! `inspection.bot` in the configuration file: the behaviour windows, the
//! thresholds of each signal, and what a bot score leads to.

use serde::Deserialize;

/// Bot detection settings; every key has a default.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BotConfig {
    /// Score clients and report signals at all (`bot` rules' allow and
    /// deny lists apply either way).
    pub enabled: bool,
    /// Clients tracked at once over all workers (the idlest is replaced).
    pub clients: usize,
    /// Rate-limit buckets kept at once over all workers.
    pub limit_keys: usize,
    /// Length of the sliding window every behaviour count covers.
    pub window_secs: u64,
    /// Requests per window above which a client is `high_rate`.
    pub request_rate: u64,
    /// Share of 4xx answers (0..1) above which a client is `error_share`...
    pub error_share: f64,
    /// ...once it has had at least this many answers in the window.
    pub min_responses: u64,
    /// Distinct object ids on one endpoint per window: `enumeration`.
    pub enumeration_ids: u64,
    /// Failed logins per window: `credential_stuffing`...
    pub login_failures: u64,
    /// ...spread over at least this many usernames.
    pub login_usernames: u64,
    /// Last path segments that make an endpoint a login endpoint.
    pub login_paths: Vec<String>,
    /// Body parameters (form or top-level JSON) that hold the username.
    pub username_fields: Vec<String>,
    /// Answers to a login that mean it failed.
    pub login_failure_statuses: Vec<u16>,
    /// What a score leads to, lowest first.
    pub thresholds: Vec<Threshold>,
}

/// At `score` or more, take `action`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub score: u32,
    pub action: ScoreAction,
}

/// What a threshold does.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ScoreAction {
    /// Raise an alert event; traffic goes on.
    Alert,
    /// Block the client's requests (answered 403 once the `respond`
    /// verdict exists; the flow is dropped today).
    Block,
}

impl Default for BotConfig {
    fn default() -> Self {
        let words = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        BotConfig {
            enabled: true,
            clients: 65_536,
            limit_keys: 262_144,
            window_secs: 60,
            request_rate: 1_200,
            error_share: 0.5,
            min_responses: 20,
            enumeration_ids: 30,
            login_failures: 10,
            login_usernames: 5,
            login_paths: words(&[
                "login",
                "signin",
                "sign-in",
                "logon",
                "auth",
                "authenticate",
                "token",
                "session",
                "sessions",
            ]),
            username_fields: words(&["username", "user", "email", "login", "user_name"]),
            login_failure_statuses: vec![401, 403],
            thresholds: vec![Threshold {
                score: 50,
                action: ScoreAction::Alert,
            }],
        }
    }
}

impl BotConfig {
    /// Checks ranges; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=3_600).contains(&self.window_secs) {
            return Err("inspection.bot.window_secs: must be 1 to 3600".into());
        }
        if !(0.0..=1.0).contains(&self.error_share) {
            return Err("inspection.bot.error_share: must be 0 to 1".into());
        }
        if self.clients == 0 {
            return Err("inspection.bot.clients: must be at least 1".into());
        }
        if self.limit_keys == 0 {
            return Err("inspection.bot.limit_keys: must be at least 1".into());
        }
        Ok(())
    }

    /// The action of the highest threshold `score` reaches.
    pub fn action_for(&self, score: u32) -> Option<ScoreAction> {
        self.thresholds
            .iter()
            .filter(|t| score >= t.score)
            .map(|t| t.action)
            .max()
    }
}
