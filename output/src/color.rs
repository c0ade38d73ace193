//! Salt's colour table (`salt.utils.color.get_colors`): ANSI SGR sequences or empty strings.

/// The colours the outputters use; all empty when colour is off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colors {
    /// `\x1b[0;31m`
    pub red: &'static str,
    /// `\x1b[0;1;31m`
    pub light_red: &'static str,
    /// `\x1b[0;32m`
    pub green: &'static str,
    /// `\x1b[0;1;32m`
    pub light_green: &'static str,
    /// `\x1b[0;33m`
    pub yellow: &'static str,
    /// `\x1b[0;1;33m`
    pub light_yellow: &'static str,
    /// `\x1b[0;36m`
    pub cyan: &'static str,
    /// `\x1b[0;1;36m`
    pub light_cyan: &'static str,
    /// `\x1b[0;0m` (reset)
    pub endc: &'static str,
}

impl Colors {
    /// Salt's default theme when `use_color`, else every colour is `""`.
    pub fn new(use_color: bool) -> Colors {
        if use_color {
            Colors {
                red: "\x1b[0;31m",
                light_red: "\x1b[0;1;31m",
                green: "\x1b[0;32m",
                light_green: "\x1b[0;1;32m",
                yellow: "\x1b[0;33m",
                light_yellow: "\x1b[0;1;33m",
                cyan: "\x1b[0;36m",
                light_cyan: "\x1b[0;1;36m",
                endc: "\x1b[0;0m",
            }
        } else {
            Colors {
                red: "",
                light_red: "",
                green: "",
                light_green: "",
                yellow: "",
                light_yellow: "",
                cyan: "",
                light_cyan: "",
                endc: "",
            }
        }
    }
}

/// Salt's `strip_esc_sequence`: ESC characters become `?` so data cannot drive the terminal.
pub fn strip_esc(s: &str) -> String {
    s.replace('\x1b', "?")
}
