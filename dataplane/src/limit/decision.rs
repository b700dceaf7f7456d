//! What a rate limit or the bot guard decided about a request, as a value:
//! the rule's action, whether it is carried out, and the HTTP answer a
//! block would give. Inspection maps it onto the flow's verdict (today a
//! block drops the flow; the answer is kept for the `respond` verdict).

use palisade_rules::Action;

/// An HTTP answer a block asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Retry-After` in seconds (rate limits).
    pub retry_after_secs: Option<u64>,
}

/// One policy decision about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    /// False in shadow mode: reported with the action it would take.
    pub enforced: bool,
    /// The answer a block gives; `None`: the flow is cut.
    pub answer: Option<Answer>,
}

impl Decision {
    /// True when carrying the decision out stops the request.
    pub fn blocks(&self) -> bool {
        self.enforced && matches!(self.action, Action::Block(_))
    }
}
