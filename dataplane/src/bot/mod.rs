//! Bot mitigation: who a client is (TLS class from its ClientHello, the
//! claim of its User-Agent, Palisade's HTTP header fingerprint), how it
//! behaves over sliding windows (request rate, 4xx share, id enumeration,
//! credential stuffing), and the bot score these add up to, with the
//! configured thresholds' actions and the allow and deny lists of `bot`
//! rules.
//!
//! [`BotGuard`] is shared by every worker core: per-client state lives in a
//! [`SharedTable`], so a client is one client whatever core its flows land
//! on. Inspection calls it at three points, with `now` as an argument: a
//! ClientHello ([`BotGuard::client_hello`]), a request's headers
//! ([`BotGuard::request`]) and an answered transaction
//! ([`BotGuard::answered`]). Each returns a [`BotVerdict`]: the score, the
//! signals to report now and the [`Decision`] to carry out.

mod behaviour;
mod client;
mod config;
mod fingerprint;
mod request;
mod signal;

use std::net::IpAddr;
use std::sync::Arc;

use palisade_rules::{Action, Block, ClientClass, Respond, RuleBody, Ruleset};

pub use behaviour::{Answered, ClientState};
pub use client::{tls_class, ua_claim, UaClaim};
pub use config::{BotConfig, ScoreAction, Threshold};
pub use fingerprint::{header_fingerprint, Profile};
pub use request::{is_login, object_of, username_of};
pub use signal::{Signal, Signals};

use crate::limit::{Answer, Decision, RequestView, SharedTable};

/// The status a bot block answers with.
pub const BLOCK_STATUS: u16 = 403;

/// One enabled `bot` rule.
#[derive(Debug, Clone)]
pub struct BotEntry {
    pub id: u64,
    pub ja4: Vec<String>,
    pub http: Vec<String>,
    pub client: Option<String>,
    pub class: Option<ClientClass>,
    pub allow: bool,
    pub action: Action,
    pub enforced: bool,
}

/// The enabled `bot` rules of a ruleset, in file order (first match wins).
#[derive(Debug, Clone, Default)]
pub struct BotRules {
    pub rules: Vec<BotEntry>,
}

impl BotRules {
    pub fn from_ruleset(ruleset: &Ruleset) -> Self {
        let rules = ruleset
            .enabled()
            .filter_map(|r| match &r.body {
                RuleBody::Bot(b) => Some(BotEntry {
                    id: r.id,
                    ja4: b.ja4.clone(),
                    http: b.http.clone(),
                    client: b.client.clone(),
                    class: b.class,
                    allow: b.allow,
                    action: r.action.clone(),
                    enforced: r.is_enforced(),
                }),
                _ => None,
            })
            .collect();
        BotRules { rules }
    }

    /// The first rule naming `ja4` or `http`.
    pub fn lookup(&self, ja4: Option<&str>, http: Option<&str>) -> Option<&BotEntry> {
        self.rules.iter().find(|r| {
            ja4.is_some_and(|j| r.ja4.iter().any(|x| x == j))
                || http.is_some_and(|h| r.http.iter().any(|x| x == h))
        })
    }
}

/// What the guard found about one client at one point.
#[derive(Debug, Clone, Default)]
pub struct BotVerdict {
    pub score: u32,
    /// Every signal active now.
    pub active: Signals,
    /// Signals to report now (active and not reported within the window).
    pub fresh: Signals,
    pub http_fingerprint: Option<String>,
    pub ua: Option<UaClaim>,
    pub ja4: Option<Arc<str>>,
    pub tls_class: Option<ClientClass>,
    /// The `bot` rule that named the client.
    pub rule: Option<u64>,
    pub client_name: Option<String>,
    pub client_class: Option<ClientClass>,
    /// What to do; `None`: nothing.
    pub decision: Option<Decision>,
}

/// Bot detection state shared by all workers.
#[derive(Debug)]
pub struct BotGuard {
    cfg: BotConfig,
    clients: SharedTable<IpAddr, ClientState>,
}

impl BotGuard {
    pub fn new(cfg: BotConfig) -> Self {
        BotGuard {
            clients: SharedTable::new(cfg.clients),
            cfg,
        }
    }

    pub fn config(&self) -> &BotConfig {
        &self.cfg
    }

    /// A client's latest TLS fingerprint.
    pub fn client_ja4(&self, client: IpAddr) -> Option<Arc<str>> {
        self.clients
            .with(&client, ClientState::default, |c| c.ja4.clone())
    }

    /// Records a ClientHello's fingerprint for `client`; a deny rule on it
    /// decides at once.
    pub fn client_hello(
        &self,
        client: IpAddr,
        ja4: &Arc<str>,
        class: ClientClass,
        rules: &BotRules,
        now: u64,
    ) -> BotVerdict {
        let mut v = BotVerdict {
            ja4: Some(Arc::clone(ja4)),
            tls_class: Some(class),
            ..BotVerdict::default()
        };
        let rule = rules.lookup(Some(ja4), None);
        label(&mut v, rule);
        let mut signals = Signals::default();
        if rule.is_some_and(denies) {
            signals.insert(Signal::DeniedFingerprint);
        }
        self.clients.with(&client, ClientState::default, |c| {
            c.ja4 = Some(Arc::clone(ja4));
            c.tls_class = Some(class);
            self.finish(&mut v, c, signals, rule, now);
        });
        v
    }

    /// Judges a request when its headers are parsed.
    pub fn request(&self, req: &RequestView<'_>, rules: &BotRules, now: u64) -> BotVerdict {
        let tx = req.tx;
        let http = header_fingerprint(tx);
        let ua = ua_claim(tx.request_header("user-agent"));
        let profile = Profile::of(&tx.request_headers);
        let rule = rules.lookup(req.ja4, Some(&http));
        let mut v = BotVerdict {
            ua: Some(ua),
            ..BotVerdict::default()
        };
        label(&mut v, rule);
        self.clients.with(&req.client, ClientState::default, |c| {
            let tls = c.tls_class;
            let mut signals = if self.cfg.enabled {
                c.request(now, &self.cfg)
            } else {
                Signals::default()
            };
            let library_tls = tls == Some(ClientClass::Library);
            let claims_browser = self.cfg.enabled && ua == UaClaim::Browser;
            if claims_browser && (library_tls || !profile.is_browser_like()) {
                signals.insert(Signal::UaMismatch);
            }
            if self.cfg.enabled && ua == UaClaim::Headless {
                signals.insert(Signal::Headless);
            }
            if rule.is_some_and(denies) {
                signals.insert(Signal::DeniedFingerprint);
            }
            v.ja4 = req.ja4.map(Arc::from).or_else(|| c.ja4.clone());
            v.tls_class = tls;
            self.finish(&mut v, c, signals, rule, now);
        });
        v.http_fingerprint = Some(http);
        v
    }

    /// Counts an answered transaction (status, object id, failed login).
    pub fn answered(&self, req: &RequestView<'_>, rules: &BotRules, now: u64) -> BotVerdict {
        let mut v = BotVerdict::default();
        if !self.cfg.enabled {
            return v;
        }
        let status = req.tx.status;
        let failed = status.is_some_and(|s| self.cfg.login_failure_statuses.contains(&s));
        let a = Answered {
            status,
            object: object_of(&req.path),
            failed_login: (failed && is_login(req, &self.cfg)).then(|| username_of(req, &self.cfg)),
        };
        let http = header_fingerprint(req.tx);
        let rule = rules.lookup(req.ja4, Some(&http));
        label(&mut v, rule);
        self.clients.with(&req.client, ClientState::default, |c| {
            let signals = c.answered(&a, now, &self.cfg);
            v.ja4 = req.ja4.map(Arc::from).or_else(|| c.ja4.clone());
            v.tls_class = c.tls_class;
            self.finish(&mut v, c, signals, rule, now);
        });
        v.http_fingerprint = Some(http);
        v
    }

    /// Scores `signals`, applies allow lists and thresholds, and picks the
    /// signals to report.
    fn finish(
        &self,
        v: &mut BotVerdict,
        c: &mut ClientState,
        signals: Signals,
        rule: Option<&BotEntry>,
        now: u64,
    ) {
        if rule.is_some_and(|r| r.allow) {
            return;
        }
        let active = signals.union(c.active);
        v.active = active;
        v.score = active.score();
        if let Some(r) = rule.filter(|r| denies(r)) {
            v.fresh = c.unreported(active, now, &self.cfg);
            v.decision = Some(rule_decision(r));
            return;
        }
        let action = self.cfg.action_for(v.score);
        if action.is_some() {
            v.fresh = c.unreported(active, now, &self.cfg);
        }
        v.decision = action.map(score_decision);
    }
}

/// True for a rule that denies: `action: block`.
fn denies(r: &BotEntry) -> bool {
    matches!(r.action, Action::Block(_))
}

fn label(v: &mut BotVerdict, rule: Option<&BotEntry>) {
    if let Some(r) = rule {
        v.rule = Some(r.id);
        v.client_name = r.client.clone();
        v.client_class = r.class;
    }
}

fn rule_decision(r: &BotEntry) -> Decision {
    let status = match &r.action {
        Action::Block(Block { respond, .. }) => {
            respond.map_or(BLOCK_STATUS, |Respond { status, .. }| status)
        }
        _ => BLOCK_STATUS,
    };
    Decision {
        action: r.action.clone(),
        enforced: r.enforced,
        answer: Some(Answer {
            status,
            retry_after_secs: None,
        }),
    }
}

fn score_decision(action: ScoreAction) -> Decision {
    match action {
        ScoreAction::Alert => Decision {
            action: Action::Alert,
            enforced: true,
            answer: None,
        },
        ScoreAction::Block => Decision {
            action: Action::Block(Block {
                verdict: None,
                respond: Some(Respond {
                    status: BLOCK_STATUS,
                    retry_after: None,
                }),
            }),
            enforced: true,
            answer: Some(Answer {
                status: BLOCK_STATUS,
                retry_after_secs: None,
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::http::{Header, Method, Transaction, Version};

    const SEC: u64 = 1_000_000_000;
    const CHROME_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 \
                             (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

    fn tx(method: &str, uri: &str, headers: &[(&str, &str)], status: Option<u16>) -> Transaction {
        Transaction {
            method: Method::from_bytes(method.as_bytes()),
            uri: uri.as_bytes().to_vec(),
            request_version: Version::Http11,
            request_headers: headers
                .iter()
                .map(|(n, v)| Header {
                    name: n.as_bytes().to_vec(),
                    value: v.as_bytes().to_vec(),
                })
                .collect(),
            status,
            ..Transaction::default()
        }
    }

    fn client() -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7))
    }

    fn rules(text: &str) -> BotRules {
        let rules = palisade_rules::parse_str("t.yaml", text).expect("rules");
        BotRules::from_ruleset(&palisade_rules::Ruleset::new(rules).expect("ruleset"))
    }

    #[test]
    fn a_browser_user_agent_over_a_library_hello_is_a_mismatch() {
        let guard = BotGuard::new(BotConfig::default());
        let ja4: Arc<str> = Arc::from("t13d3112h2_e8f1e7e78f70_b26ce05bbdd6");
        let none = BotRules::default();
        guard.client_hello(client(), &ja4, ClientClass::Library, &none, SEC);
        let t = tx(
            "GET",
            "/",
            &[
                ("Host", "a"),
                ("User-Agent", CHROME_UA),
                ("Accept-Language", "en"),
            ],
            None,
        );
        let v = guard.request(&RequestView::new(&t, client(), None), &none, 2 * SEC);
        assert!(v.active.contains(Signal::UaMismatch), "{v:?}");
        assert_eq!(v.ja4.as_deref(), Some(&*ja4));
        assert_eq!(v.score, 50);
        assert!(v.fresh.contains(Signal::UaMismatch));
        assert_eq!(v.decision.map(|d| d.action), Some(Action::Alert));
    }

    #[test]
    fn an_allow_listed_header_fingerprint_is_never_scored() {
        let guard = BotGuard::new(BotConfig::default());
        let headers = [("Host", "a"), ("User-Agent", CHROME_UA)];
        let t = tx("GET", "/", &headers, None);
        let fp = header_fingerprint(&t);
        let allow = rules(&format!(
            "rules:\n  - id: 1\n    kind: bot\n    name: ours\n    severity: info\n    \
             action: log\n    fingerprint: {{http: ['{fp}']}}\n    allow: true\n"
        ));
        let v = guard.request(&RequestView::new(&t, client(), None), &allow, SEC);
        assert_eq!((v.score, v.decision, v.rule), (0, None, Some(1)));
        let v = guard.request(
            &RequestView::new(&t, client(), None),
            &BotRules::default(),
            SEC,
        );
        assert!(v.active.contains(Signal::UaMismatch), "without the list");
    }

    #[test]
    fn a_block_threshold_stops_a_credential_stuffer() {
        let cfg = BotConfig {
            thresholds: vec![
                Threshold {
                    score: 50,
                    action: ScoreAction::Alert,
                },
                Threshold {
                    score: 80,
                    action: ScoreAction::Block,
                },
            ],
            ..BotConfig::default()
        };
        let guard = BotGuard::new(cfg);
        let none = BotRules::default();
        let mut last = BotVerdict::default();
        for i in 0..12u64 {
            let mut t = tx(
                "POST",
                "/api/v1/login",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                Some(401),
            );
            t.request_body.data = format!("username=u{i}&password=x").into_bytes();
            last = guard.answered(&RequestView::new(&t, client(), None), &none, SEC + i);
        }
        assert!(last.active.contains(Signal::CredentialStuffing), "{last:?}");
        assert!(last.decision.as_ref().is_some_and(Decision::blocks));
        let answer = last.decision.and_then(|d| d.answer).map(|a| a.status);
        assert_eq!(answer, Some(403));
    }
}
