//! `--stats`: where the time went, stage by stage, and the peak memory, on stderr.

use std::time::Duration;

use crate::source::Stage;

/// `--stats`: each stage's time and counts, the total and the peak memory, on stderr.
pub fn print_stats(stages: &[Stage], total: Duration) {
    let mut out = String::from("keywarden --stats\n");
    for st in stages {
        out.push_str(&format!(
            "  {:<38} {:>9.1} ms  {}\n",
            st.name,
            st.time.as_secs_f64() * 1000.0,
            st.detail
        ));
    }
    out.push_str(&format!(
        "  {:<38} {:>9.1} ms\n",
        "total",
        total.as_secs_f64() * 1000.0
    ));
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:").map(|v| v.trim().to_string()))
        });
    if let Some(p) = peak {
        out.push_str(&format!("  {:<38} {p}\n", "peak memory (VmHWM)"));
    }
    eprint!("{out}");
}
