//! Renderer pipes: turn an SLS (or top/pillar) file into data, as Salt's
//! `compile_template` does (`#!jinja|yaml` shebangs, the `renderer` option, JSON).

use crate::jinja::{self, JinjaEnv};
use crate::SlsError;
use rsalt_data::{Dict, Value};

/// One renderer in a pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// `jinja`: text → text.
    Jinja,
    /// `yaml`: text → data.
    Yaml,
    /// `json`: text → data.
    Json,
    /// `py`/`pyobjects`/... are not supported.
    Text,
}

/// Parses a pipe such as `jinja|yaml` (also the old `yaml_jinja` spelling).
pub fn parse_pipe(pipe: &str) -> Result<Vec<Renderer>, SlsError> {
    let pipe = pipe.trim();
    let parts: Vec<&str> = if pipe.contains('|') {
        pipe.split('|').collect()
    } else {
        match pipe {
            "yaml_jinja" => vec!["jinja", "yaml"],
            "json_jinja" => vec!["jinja", "json"],
            "yaml_mako" | "yaml_wempy" | "json_mako" | "json_wempy" => {
                return Err(SlsError::Other(format!(
                    "The renderer pipe '{pipe}' is not supported by rsalt"
                )))
            }
            other => vec![other],
        }
    };
    parts
        .into_iter()
        .map(|p| {
            // A renderer may carry an argline: `#!yaml strict`; only the name matters here.
            let name = p.split_whitespace().next().unwrap_or("");
            match name {
                "jinja" => Ok(Renderer::Jinja),
                "yaml" | "yamlex" => Ok(Renderer::Yaml),
                "json" => Ok(Renderer::Json),
                "text" | "txt" => Ok(Renderer::Text),
                other => Err(SlsError::Other(format!(
                    "The renderer \"{other}\" is not available"
                ))),
            }
        })
        .collect()
}

/// The renderer pipe for a file: its `#!` shebang (not `#!/path`) or the default.
pub fn pipe_for(text: &str, default: &str) -> Result<Vec<Renderer>, SlsError> {
    let first = text.lines().next().unwrap_or("");
    if first.starts_with("#!") && !first.starts_with("#!/") {
        parse_pipe(first.trim()[2..].trim())
    } else {
        parse_pipe(default)
    }
}

/// What a render produced: data, or text from a pipe that ends in a text renderer.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    /// Structured data (from yaml/json).
    Data(Value),
    /// Text (from a pipe of only jinja/text).
    Text(String),
}

/// Renders `text` through `pipe`. `tpl_path` names the file (relative to its file server
/// root) for imports and error messages; `context` is the Jinja context.
pub fn render_pipe(
    env: &JinjaEnv,
    pipe: &[Renderer],
    text: &str,
    tpl_path: &str,
    saltenv: &str,
    context: &Dict,
) -> Result<Rendered, SlsError> {
    let mut cur = Rendered::Text(text.to_string());
    for r in pipe {
        let input = match &cur {
            Rendered::Text(t) => t.clone(),
            Rendered::Data(_) => {
                return Err(SlsError::Other(format!(
                    "Renderer {r:?} got data instead of text in {tpl_path}"
                )))
            }
        };
        cur = match r {
            Renderer::Jinja => {
                Rendered::Text(jinja::render(env, &input, tpl_path, saltenv, context)?)
            }
            Renderer::Text => Rendered::Text(input),
            Renderer::Yaml => {
                let data = rsalt_data::yaml::load(&input).map_err(|e| SlsError::Yaml {
                    file: tpl_path.to_string(),
                    line: e.line,
                    message: e.salt_render_message(),
                })?;
                Rendered::Data(if data.truthy() {
                    data
                } else {
                    Value::Dict(Dict::ordered())
                })
            }
            Renderer::Json => {
                let body = if input.starts_with("#!") {
                    input.split_once('\n').map(|(_, b)| b).unwrap_or("")
                } else {
                    input.as_str()
                };
                if body.trim().is_empty() {
                    Rendered::Data(Value::dict())
                } else {
                    let j: serde_json::Value =
                        serde_json::from_str(body).map_err(|e| SlsError::Render {
                            file: tpl_path.to_string(),
                            line: Some(e.line()),
                            message: format!("{e}"),
                        })?;
                    Rendered::Data(Value::from_json(&j))
                }
            }
        };
    }
    Ok(cur)
}

/// Renders a whole file to data as `compile_template` does: an empty or whitespace-only
/// file is `{}`; text output of a pipe is an error for callers wanting data.
pub fn render_data(
    env: &JinjaEnv,
    default_pipe: &str,
    text: &str,
    tpl_path: &str,
    saltenv: &str,
    context: &Dict,
) -> Result<Value, SlsError> {
    if text.trim().is_empty() {
        return Ok(Value::dict());
    }
    let pipe = pipe_for(text, default_pipe)?;
    match render_pipe(env, &pipe, text, tpl_path, saltenv, context)? {
        Rendered::Data(v) => Ok(v),
        Rendered::Text(t) => Ok(Value::Str(t)),
    }
}
