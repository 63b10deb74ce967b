//! The curated alert rules as a team would tune them: exported with
//! `kafkascope rules export`, the ones named kept with a shorter `for`,
//! written back as a rule file (which replaces the curated rules of the
//! same names when loaded).

use super::kafkascope_ok;

/// A rule file of the curated rules in `names`, each with `for: <for_>`.
pub fn shortened_curated_rules(names: &[&str], for_: &str) -> String {
    let exported = kafkascope_ok(&["rules", "export"]);
    let mut out = String::from("groups:\n  - name: shortened\n    rules:\n");
    let mut kept = 0;
    // The export is Prometheus's layout: `  - alert:` starts a rule.
    for rule in exported.split("\n  - alert: ").skip(1) {
        let name = rule.lines().next().unwrap();
        if !names.contains(&name) {
            continue;
        }
        kept += 1;
        out.push_str(&format!("      - alert: {name}\n"));
        for line in rule.lines().skip(1).take_while(|l| l.starts_with("    ")) {
            if line.trim_start().starts_with("for: ") {
                out.push_str(&format!("        for: {for_}\n"));
            } else {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    assert_eq!(kept, names.len(), "not every rule is curated: {exported}");
    out
}
