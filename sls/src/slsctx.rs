//! Template path variables (`tplpath`, `tplfile`, `tpldir`, `tpldot`, `slspath`,
//! `sls_path`, `slsdotpath`, `slscolonpath`) as Salt's `generate_sls_context` computes them.
// NOTE: the Jinja module may grow its own helper; keep exactly one (see docs/architecture.md).

use rsalt_data::{Dict, Value};

/// The path variables for a template at `tpl_path` (relative to its file-server root),
/// rendered as SLS `sls` (when rendering an SLS).
pub fn path_context(sls: Option<&str>, tpl_path: &str) -> Dict {
    let mut ctx = Dict::new();
    let sls_s = sls.unwrap_or("");
    let mut slspath = sls_s.replace('.', "/");
    if !tpl_path.is_empty() {
        let mut template = tpl_path.to_string();
        if sls_s.is_empty() {
            template = template.rsplit('/').next().unwrap_or("").to_string();
        } else if template.ends_with(&format!("{slspath}.sls")) {
            template = template[template.len() - (4 + slspath.len())..].to_string();
        } else if template.ends_with(&format!("{slspath}/init.sls")) {
            template = template[template.len() - (9 + slspath.len())..].to_string();
        }
        slspath = match template.rsplit_once('/') {
            Some((d, _)) => d.to_string(),
            None => String::new(),
        };
        ctx.insert("tplpath", Value::from(tpl_path));
        ctx.insert("tplfile", Value::from(template));
        ctx.insert(
            "tpldir",
            Value::from(if slspath.is_empty() {
                ".".to_string()
            } else {
                slspath.clone()
            }),
        );
        ctx.insert("tpldot", Value::from(slspath.replace('/', ".")));
    }
    ctx.insert("slspath", Value::from(slspath.clone()));
    ctx.insert("slsdotpath", Value::from(slspath.replace('/', ".")));
    ctx.insert("slscolonpath", Value::from(slspath.replace('/', ":")));
    ctx.insert("sls_path", Value::from(slspath.replace('/', "_")));
    ctx
}
