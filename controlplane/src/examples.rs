//! The EXAMPLES sections of `palisade --help` for the commands people
//! start with; a test parses every example with the real command line.

/// `palisade rules validate --help`.
pub const VALIDATE: &str = "\
Examples:
  palisade rules validate rules/default
      Check the shipped ruleset: parsed, then compiled as a dataplane would.
  palisade rules validate api.yaml bots.yaml --output json
      Check two files that load together; errors as JSON on stdout.";

/// `palisade rules test --help`.
pub const TEST: &str = "\
Examples:
  palisade rules test rules/default --pcap traffic.pcap
      List the rules that fired on each transaction of a capture.
  palisade rules test api.yaml --pcap attack.pcapng --expect 100001 --expect 100002=0
      Exit 1 unless rule 100001 fires and rule 100002 never does.";

/// `palisade rules push --help`.
pub const PUSH: &str = "\
Examples:
  palisade rules push rules/default --comment first-cut
      Store the shipped ruleset as a new version and send it.
  palisade rules push api.yaml --wait 30
      Exit 0 once every connected dataplane runs it, 1 if one refuses it.
  palisade --socket /tmp/control.sock rules push api.yaml
      Push to a control plane listening elsewhere.";

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use crate::{Cli, Command, RulesCommand};

    /// The command lines of a section: its lines that start with `palisade`.
    fn command_lines(section: &str) -> Vec<Vec<&str>> {
        let lines = section.lines().map(str::trim);
        let commands = lines.filter(|l| l.starts_with("palisade "));
        commands.map(|l| l.split_whitespace().collect()).collect()
    }

    #[test]
    fn every_example_parses_as_its_command() {
        for (section, name) in [
            (super::VALIDATE, "validate"),
            (super::TEST, "test"),
            (super::PUSH, "push"),
        ] {
            let commands = command_lines(section);
            assert!(commands.len() >= 2, "{name}: {section}");
            for words in commands {
                let cli = Cli::try_parse_from(&words)
                    .unwrap_or_else(|e| panic!("{}: {e}", words.join(" ")));
                let Command::Rules { command } = cli.command else {
                    panic!("{}: not a rules command", words.join(" "));
                };
                let parsed = match command {
                    RulesCommand::Validate { .. } => "validate",
                    RulesCommand::Test { .. } => "test",
                    RulesCommand::Push { .. } => "push",
                    _ => "another command",
                };
                assert_eq!(parsed, name, "{}", words.join(" "));
            }
        }
    }

    #[test]
    fn the_help_shows_the_examples() {
        let mut cli = Cli::command();
        let rules = cli.find_subcommand_mut("rules").expect("rules");
        for (name, section) in [
            ("validate", super::VALIDATE),
            ("test", super::TEST),
            ("push", super::PUSH),
        ] {
            let command = rules.find_subcommand_mut(name).expect(name);
            let help = command.render_long_help().to_string();
            assert!(help.contains(section), "{name}:\n{help}");
        }
    }
}
