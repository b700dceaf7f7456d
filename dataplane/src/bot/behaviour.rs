//! One client's behaviour over sliding windows: requests, answers and 4xx
//! answers, distinct object ids per endpoint, failed logins per username.
//! Kept per client address in a table all workers share.
//!
//! Counts use the two-window estimate (the previous window's count
//! weighted by how much of it still overlaps, plus the current one); ids
//! and usernames are kept with their time, bounded per client, so memory
//! per client stays under a few kilobytes whatever the client sends.

use std::sync::Arc;

use palisade_rules::ClientClass;

use super::config::BotConfig;
use super::signal::{Signal, Signals};
use crate::limit::Touched;

/// Endpoints with ids tracked per client.
const MAX_ENDPOINTS: usize = 16;
/// Ids kept per endpoint; above any sane threshold.
const MAX_IDS: usize = 512;
/// Failed logins kept per client.
const MAX_FAILURES: usize = 512;

/// A count over a sliding window.
#[derive(Debug, Clone, Default)]
struct Window {
    start_ns: u64,
    current: u64,
    previous: u64,
}

impl Window {
    fn roll(&mut self, now: u64, len: u64) {
        let elapsed = now.saturating_sub(self.start_ns);
        if elapsed < len {
            return;
        }
        self.previous = if elapsed < 2 * len { self.current } else { 0 };
        self.current = 0;
        self.start_ns = now - elapsed % len;
    }

    fn add(&mut self, now: u64, len: u64) {
        self.roll(now, len);
        self.current += 1;
    }

    fn estimate(&mut self, now: u64, len: u64) -> u64 {
        self.roll(now, len);
        let into = now.saturating_sub(self.start_ns).min(len);
        let carried = u128::from(self.previous) * u128::from(len - into) / u128::from(len.max(1));
        self.current + carried as u64
    }
}

/// Ids seen on one endpoint template.
#[derive(Debug, Clone)]
struct EndpointIds {
    template: u64,
    last_ns: u64,
    ids: Vec<(u64, u64)>,
}

/// What is known about one client address.
#[derive(Debug, Clone, Default)]
pub struct ClientState {
    last_ns: u64,
    requests: Window,
    answers: Window,
    errors: Window,
    endpoints: Vec<EndpointIds>,
    /// Failed logins: username hash and time.
    failures: Vec<(u64, u64)>,
    /// The client's latest TLS fingerprint and its class.
    pub ja4: Option<Arc<str>>,
    pub tls_class: Option<ClientClass>,
    /// Behaviour signals active after the last update.
    pub active: Signals,
    /// When each signal was last reported (by [`Signal`] index).
    reported: [u64; Signal::ALL.len()],
}

impl Touched for ClientState {
    fn last_ns(&self) -> u64 {
        self.last_ns
    }
}

/// What one answered request shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Answered {
    pub status: Option<u16>,
    /// Hash of the endpoint template and of the id, when the path has one.
    pub object: Option<(u64, u64)>,
    /// A failed login, with the username's hash (0 when none was found).
    pub failed_login: Option<u64>,
}

impl ClientState {
    /// Counts a request; returns the behaviour signals active now.
    pub fn request(&mut self, now: u64, cfg: &BotConfig) -> Signals {
        self.last_ns = self.last_ns.max(now);
        self.requests.add(now, window_ns(cfg));
        self.evaluate(now, cfg)
    }

    /// Counts an answered request; returns the signals active now.
    pub fn answered(&mut self, a: &Answered, now: u64, cfg: &BotConfig) -> Signals {
        let len = window_ns(cfg);
        self.last_ns = self.last_ns.max(now);
        if let Some(status) = a.status {
            self.answers.add(now, len);
            if (400..500).contains(&status) {
                self.errors.add(now, len);
            }
        }
        if let Some((template, id)) = a.object {
            self.object(template, id, now, len);
        }
        if let Some(user) = a.failed_login {
            prune(&mut self.failures, now, len);
            if self.failures.len() >= MAX_FAILURES {
                self.failures.remove(0);
            }
            self.failures.push((user, now));
        }
        self.evaluate(now, cfg)
    }

    /// Signals in `now_active` not reported within the last window; marks
    /// them reported.
    pub fn unreported(&mut self, now_active: Signals, now: u64, cfg: &BotConfig) -> Signals {
        let mut fresh = Signals::default();
        for s in now_active.iter() {
            let at = &mut self.reported[s as usize];
            if *at == 0 || now.saturating_sub(*at) >= window_ns(cfg) {
                *at = now.max(1);
                fresh.insert(s);
            }
        }
        fresh
    }

    fn object(&mut self, template: u64, id: u64, now: u64, len: u64) {
        let at = match self.endpoints.iter().position(|e| e.template == template) {
            Some(at) => at,
            None => {
                if self.endpoints.len() >= MAX_ENDPOINTS {
                    let idlest =
                        (0..self.endpoints.len()).min_by_key(|&i| self.endpoints[i].last_ns);
                    if let Some(i) = idlest {
                        self.endpoints.swap_remove(i);
                    }
                }
                self.endpoints.push(EndpointIds {
                    template,
                    last_ns: now,
                    ids: Vec::new(),
                });
                self.endpoints.len() - 1
            }
        };
        let e = &mut self.endpoints[at];
        e.last_ns = now;
        prune(&mut e.ids, now, len);
        let full = e.ids.len() >= MAX_IDS;
        match e.ids.iter_mut().find(|(i, _)| *i == id) {
            Some(seen) => seen.1 = now,
            None if !full => e.ids.push((id, now)),
            None => {}
        }
    }

    fn evaluate(&mut self, now: u64, cfg: &BotConfig) -> Signals {
        let len = window_ns(cfg);
        let mut s = Signals::default();
        if self.requests.estimate(now, len) > cfg.request_rate {
            s.insert(Signal::HighRate);
        }
        let answers = self.answers.estimate(now, len);
        let errors = self.errors.estimate(now, len);
        if answers >= cfg.min_responses && errors as f64 > cfg.error_share * answers as f64 {
            s.insert(Signal::ErrorShare);
        }
        let most_ids = self.endpoints.iter_mut().map(|e| {
            prune(&mut e.ids, now, len);
            e.ids.len() as u64
        });
        if most_ids.max().unwrap_or(0) >= cfg.enumeration_ids {
            s.insert(Signal::Enumeration);
        }
        prune(&mut self.failures, now, len);
        let mut users: Vec<u64> = self.failures.iter().map(|(u, _)| *u).collect();
        users.sort_unstable();
        users.dedup();
        if self.failures.len() as u64 >= cfg.login_failures
            && users.len() as u64 >= cfg.login_usernames
        {
            s.insert(Signal::CredentialStuffing);
        }
        self.active = s;
        s
    }
}

fn window_ns(cfg: &BotConfig) -> u64 {
    cfg.window_secs.saturating_mul(1_000_000_000)
}

/// Drops entries older than one window.
fn prune(list: &mut Vec<(u64, u64)>, now: u64, len: u64) {
    list.retain(|(_, at)| now.saturating_sub(*at) < len);
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    #[test]
    fn enumeration_shows_after_the_threshold_and_fades_with_the_window() {
        let cfg = BotConfig::default();
        let mut c = ClientState::default();
        let mut last = Signals::default();
        for id in 0..cfg.enumeration_ids {
            let a = Answered {
                status: Some(200),
                object: Some((7, id)),
                failed_login: None,
            };
            last = c.answered(&a, SEC + id, &cfg);
        }
        assert!(last.contains(Signal::Enumeration));
        let later = c.request(SEC + 2 * cfg.window_secs * SEC, &cfg);
        assert!(!later.contains(Signal::Enumeration));
    }

    #[test]
    fn one_user_failing_often_is_not_stuffing_many_users_are() {
        let cfg = BotConfig::default();
        let fail = |user| Answered {
            status: Some(401),
            object: None,
            failed_login: Some(user),
        };
        let mut same = ClientState::default();
        let mut many = ClientState::default();
        let (mut a, mut b) = (Signals::default(), Signals::default());
        for i in 0..20 {
            a = same.answered(&fail(1), SEC + i, &cfg);
            b = many.answered(&fail(i), SEC + i, &cfg);
        }
        assert!(!a.contains(Signal::CredentialStuffing));
        assert!(b.contains(Signal::CredentialStuffing));
        // 20 answers, all 4xx.
        assert!(b.contains(Signal::ErrorShare));
    }

    #[test]
    fn signals_are_reported_once_per_window() {
        let cfg = BotConfig::default();
        let mut c = ClientState::default();
        let mut on = Signals::default();
        on.insert(Signal::HighRate);
        assert_eq!(c.unreported(on, SEC, &cfg), on);
        assert!(c.unreported(on, 2 * SEC, &cfg).is_empty());
        assert_eq!(c.unreported(on, SEC + cfg.window_secs * SEC, &cfg), on);
    }
}
