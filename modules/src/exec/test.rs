//! `test.*` execution functions (salt/modules/test.py).

use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use sha2::Digest;

/// The Salt version rsalt reports (`test.version`).
pub const SALT_VERSION: &str = "3007.8";

/// Registers the `test.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc("test.ping", ping, "Used to make sure the minion is up and responding. Not an ICMP ping.\n\nReturns ``True``.\n");
    r.add_doc(
        "test.echo",
        echo,
        "Return a string - used for testing the connection\n",
    );
    r.add_doc(
        "test.version",
        version,
        "Return the version of salt on the minion\n",
    );
    r.add_doc("test.true", true_, "Always return True\n");
    r.add_doc("test.false", false_, "Always return False\n");
    r.add_doc(
        "test.retcode",
        retcode,
        "Test that the returncode system is functioning correctly\n",
    );
    r.add_doc("test.arg", arg, "Print out the data passed into the function ``*args`` and ``kwargs``, this\nis used to both test the publication data and cli argument passing, but\nalso to display the information available within the publication data.\n");
    r.add_doc("test.kwarg", kwarg, "Print out the data passed into the function ``**kwargs``, this is used to\nboth test the publication data and cli kwarg passing, but also to display\nthe information available within the publication data.\n");
    r.add_doc("test.arg_type", arg_type, "Print out the types of the args and kwargs. This is used to test the types\nof the args and kwargs passed down to the minion\n");
    r.add_doc("test.arg_repr", arg_repr, "Print out the data passed into the function ``*args`` and ``kwargs``, this\nis used to both test the publication data and cli argument passing, but\nalso to display the information available within the publication data.\nReturns {\"args\": repr(args), \"kwargs\": repr(kwargs)}.\n");
    r.add_doc(
        "test.outputter",
        outputter,
        "Test the outputter, pass in data to return\n",
    );
    r.add_doc(
        "test.sleep",
        sleep,
        "Instruct the minion to initiate a process that will sleep for a given\nperiod of time.\n",
    );
    r.add_doc("test.fib", fib, "Return the num-th Fibonacci number, and the time it took to compute in\nseconds. Used for performance tests.\n");
    r.add_doc("test.rand_str", rand_str, "This function has been renamed to\n:py:func:`test.random_hash <salt.modules.test.random_hash>`. This function\nwill stay to ensure backwards compatibility, but please switch to using the\nprefered name :py:func:`test.random_hash <salt.modules.test.random_hash>`.\n");
    r.add_doc(
        "test.random_hash",
        rand_str,
        "Generates a random number between 1 and ``size``, then returns a hash of\nthat number.\n",
    );
    r.add_doc("test.exception", exception, "Raise an exception\n");
    r.add_doc("test.tty", tty, "Deprecated! Moved to cmdmod.\n");
    r.add_doc(
        "test.get_opts",
        get_opts,
        "Return the configuration options of the minion.\n",
    );
    r.add_doc(
        "test.arg_clean",
        arg_clean,
        "Like test.arg but cleans kwargs of the __pub* items\n",
    );
    r.add_doc("test.collatz", collatz, "Execute the collatz conjecture from the passed starting number,\nreturns the sequence and the time it took to compute. Used for\nperformance tests.\n");
    r.add_doc("test.conf_test", conf_test, "Return the value for test.foo in the minion configuration file, or return\nthe default value\n");
    r.add_doc("test.cross_test", cross_test, "Execute a minion function via the ``__salt__`` object in the test\nmodule, used to verify that the Minion functions can be called\nvia the ``__salt__`` module.\n");
    r.add_doc("test.assertion", assertion, "Assert the given argument\n");
    r.add_doc("test.rand_sleep", rand_sleep, "Sleep for a random number of seconds, used to test long-running commands\nand minions returning at differing intervals\n");
    r.add_doc(
        "test.provider",
        provider,
        "Pass in a function name to discover what provider is being used\n",
    );
    r.add_doc(
        "test.attr_call",
        attr_call,
        "Call grains.items via the attribute.\n",
    );
    r.add_doc(
        "test.deprecation_warning",
        deprecation_warning,
        "Return True, but also produce two DeprecationWarnings.\n",
    );
    r.add_doc("test.module_report", module_report, "Return a dict containing all of the execution modules with a report on\nthe overall availability via different references\n");
    r.add_doc(
        "test.not_loaded",
        not_loaded,
        "List the modules that were not loaded by the salt loader system\n",
    );
    r.add_doc(
        "test.opts_pkg",
        opts_pkg,
        "Return an opts package with the grains and opts for this minion.\n",
    );
    r.add_doc(
        "test.providers",
        providers,
        "Return a dict of the provider names and the files that provided them\n",
    );
    r.add_doc(
        "test.raise_exception",
        raise_exception,
        "Raise an exception of the given name (rsalt: an error with that name).\n",
    );
    r.add_doc("test.stack", stack, "Return the current stack trace\n");
    r.add_doc(
        "test.versions",
        versions_information,
        "This function is an alias of ``versions_report``.\n",
    );
    r.add_doc(
        "test.versions_information",
        versions_information,
        "Report the versions of dependent and system software\n",
    );
    r.add_doc(
        "test.versions_report",
        versions_report,
        "Returns versions of components used by salt\n",
    );
    r.add_doc("test.try", try_, "Try to run a module command. On an exception return None.\nIf `return_try_exception` is set True return the exception.\nThis can be helpful in templates where running a module might fail as expected.\n");
}

fn sig(name: &'static str, params: &'static [&'static str], required: usize) -> Sig {
    Sig {
        name,
        params,
        required,
        varargs: false,
        varkw: false,
    }
}

/// `test.ping()` → True.
pub fn ping(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("ping", &[], 0))?;
    Ok(Value::Bool(true))
}

/// `test.echo(text)` → text.
pub fn echo(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("echo", &["text"], 1))?;
    Ok(b.get("text").cloned().unwrap_or_default())
}

/// `test.version()` → `"3007.8"`.
pub fn version(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("version", &[], 0))?;
    Ok(Value::from(SALT_VERSION))
}

/// `test.true()`.
pub fn true_(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("true_", &[], 0))?;
    Ok(Value::Bool(true))
}

/// `test.false()`.
pub fn false_(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("false_", &[], 0))?;
    Ok(Value::Bool(false))
}

/// `test.retcode(code=42)`: sets the exit status, returns True.
pub fn retcode(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("retcode", &["code"], 0))?;
    let code = match b.get("code") {
        None => 42,
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(x)) => i64::from(*x),
        Some(v) => v.to_py_str().trim().parse::<i64>().unwrap_or(1),
    };
    super::set_retcode(code);
    Ok(Value::Bool(true))
}

/// `test.arg(*args, **kwargs)` → `{"args": [...], "kwargs": {...}}`.
pub fn arg(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let mut d = Dict::new();
    d.insert("args", Value::List(args.args.clone()));
    d.insert("kwargs", Value::Dict(args.kwargs.clone()));
    Ok(Value::Dict(d))
}

/// `test.kwarg(**kwargs)` → the kwargs.
pub fn kwarg(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    if !args.args.is_empty() {
        let n = args.args.len();
        return Err(CallError::BadArguments(format!(
            "kwarg() takes 0 positional arguments but {n} {} given",
            if n == 1 { "was" } else { "were" }
        )));
    }
    Ok(Value::Dict(args.kwargs.clone()))
}

/// Python's `str(type(v))`.
fn py_type(v: &Value) -> Value {
    let t = match v {
        Value::Dict(d) if d.kind == rsalt_data::DictKind::Ordered => "collections.OrderedDict",
        other => other.type_name(),
    };
    Value::from(format!("<class '{t}'>"))
}

/// `test.arg_type(*args, **kwargs)`.
pub fn arg_type(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let mut kw = Dict::new();
    for (k, v) in args.kwargs.iter() {
        kw.insert(k.clone(), py_type(v));
    }
    let mut d = Dict::new();
    d.insert("args", Value::List(args.args.iter().map(py_type).collect()));
    d.insert("kwargs", Value::Dict(kw));
    Ok(Value::Dict(d))
}

/// `test.arg_repr(*args, **kwargs)`.
pub fn arg_repr(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let items: Vec<String> = args.args.iter().map(rsalt_data::repr::repr).collect();
    let tuple = if items.len() == 1 {
        format!("({},)", items[0])
    } else {
        format!("({})", items.join(", "))
    };
    let mut d = Dict::new();
    d.insert("args", Value::from(tuple));
    d.insert(
        "kwargs",
        Value::from(rsalt_data::repr::repr(&Value::Dict(args.kwargs.clone()))),
    );
    Ok(Value::Dict(d))
}

/// `test.outputter(data)` → data.
pub fn outputter(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("outputter", &["data"], 1))?;
    Ok(b.get("data").cloned().unwrap_or_default())
}

fn to_int(fun: &str, v: Option<&Value>) -> Result<i64, CallError> {
    match v {
        Some(Value::Int(i)) => Ok(*i),
        Some(Value::Bool(b)) => Ok(i64::from(*b)),
        Some(Value::Float(f)) => Ok(f.trunc() as i64),
        Some(Value::Str(s)) => s.trim().parse::<i64>().map_err(|_| {
            CallError::Failed(format!(
                "invalid literal for int() with base 10: {}",
                rsalt_data::repr::str_repr(s)
            ))
        }),
        Some(other) => Err(CallError::Failed(format!(
            "{fun}: int() argument must be a string, a bytes-like object or a real number, not '{}'",
            other.type_name()
        ))),
        None => Ok(0),
    }
}

/// `test.sleep(length)`: sleeps, returns True.
pub fn sleep(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("sleep", &["length"], 1))?;
    let n = to_int("sleep", b.get("length"))?;
    std::thread::sleep(std::time::Duration::from_secs(n.max(0) as u64));
    Ok(Value::Bool(true))
}

/// `test.fib(num)` → `[fib(num), seconds]`.
pub fn fib(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("fib", &["num"], 1))?;
    let num = to_int("fib", b.get("num"))?;
    if num < 0 {
        return Err(CallError::Failed("Negative number is not allowed!".into()));
    }
    let start = std::time::Instant::now();
    let v = if num < 2 {
        num
    } else {
        let (mut prev, mut curr) = (0i64, 1i64);
        for _ in 1..num {
            let next = prev.wrapping_add(curr);
            prev = curr;
            curr = next;
        }
        curr
    };
    Ok(Value::List(vec![
        Value::Int(v),
        Value::Float(start.elapsed().as_secs_f64()),
    ]))
}

/// A random `u64` from the OS (falls back to the clock and a hash seed).
pub fn random_u64() -> u64 {
    use std::io::Read;
    let mut buf = [0u8; 8];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok()
    {
        return u64::from_le_bytes(buf);
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

/// `test.rand_str(size=9999999999, hash_type=None)`: the hash of a random number.
pub fn rand_str(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("rand_str", &["size", "hash_type"], 0))?;
    let size = match b.get("size") {
        None => 9_999_999_999,
        v => to_int("rand_str", v)?,
    };
    let n = if size <= 0 {
        0
    } else {
        random_u64() % (size as u64 + 1)
    };
    let hash_type = b
        .str("hash_type")
        .or_else(|| ctx.opt("hash_type").map(Value::to_py_str))
        .unwrap_or_else(|| "sha256".into());
    let data = n.to_string();
    let hex = match hash_type.as_str() {
        "md5" => format!("{:x}", md5::Md5::digest(data.as_bytes())),
        "sha512" => format!("{:x}", sha2::Sha512::digest(data.as_bytes())),
        "sha384" => format!("{:x}", sha2::Sha384::digest(data.as_bytes())),
        "sha224" => format!("{:x}", sha2::Sha224::digest(data.as_bytes())),
        "sha256" => format!("{:x}", sha2::Sha256::digest(data.as_bytes())),
        other => {
            return Err(CallError::Failed(format!(
                "module 'hashlib' has no attribute '{other}'"
            )))
        }
    };
    Ok(Value::from(hex))
}

/// `test.exception(message='Test Exception')`: always fails.
pub fn exception(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("exception", &["message"], 0))?;
    Err(CallError::Failed(
        b.str("message").unwrap_or_else(|| "Test Exception".into()),
    ))
}

/// `test.tty(*args, **kwargs)`: the deprecation message.
pub fn tty(_ctx: &RunContext, _args: &Args) -> Result<Value, CallError> {
    Ok(Value::from(
        "ERROR: This function has been moved to cmd.tty",
    ))
}

/// `test.get_opts()`: the minion options.
pub fn get_opts(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("get_opts", &[], 0))?;
    Ok(Value::Dict((*ctx.opts).clone()))
}

/// `test.arg_clean(*args, **kwargs)`: like `test.arg` without `__`-prefixed kwargs.
pub fn arg_clean(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let mut kw = Dict::new();
    for (k, v) in args.kwargs.iter() {
        if !k.as_str().is_some_and(|s| s.starts_with("__")) {
            kw.insert(k.clone(), v.clone());
        }
    }
    let mut d = Dict::new();
    d.insert("args", Value::List(args.args.clone()));
    d.insert("kwargs", Value::Dict(kw));
    Ok(Value::Dict(d))
}

/// `test.collatz(start)` → `[steps, seconds]` (Python's true division makes every step
/// after the first a float).
pub fn collatz(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("collatz", &["start"], 1))?;
    let start = to_int("collatz", b.get("start"))?;
    if start < 1 {
        return Err(CallError::Failed(
            "collatz: start must be a positive integer".into(),
        ));
    }
    let begin = std::time::Instant::now();
    let mut steps = vec![Value::Int(start)];
    let mut n = start as f64;
    if start != 1 {
        loop {
            n = if n % 2.0 == 0.0 {
                n / 2.0
            } else {
                n * 3.0 + 1.0
            };
            if n == 1.0 {
                break;
            }
            steps.push(Value::Float(n));
        }
    } else {
        steps.clear();
    }
    Ok(Value::List(vec![
        Value::List(steps),
        Value::Float(begin.elapsed().as_secs_f64()),
    ]))
}

/// `test.conf_test()`: `config.option('test.foo')`.
pub fn conf_test(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("conf_test", &[], 0))?;
    ctx.caller
        .call("config.option", vec![Value::from("test.foo")], Dict::new())
}

/// `test.cross_test(func, args=None)`: calls another function.
pub fn cross_test(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("cross_test", &["func", "args"], 1))?;
    let func = b.str("func").unwrap_or_default();
    let a = b
        .get("args")
        .and_then(Value::as_list)
        .cloned()
        .unwrap_or_default();
    ctx.caller.call(&func, a, Dict::new())
}

/// `test.assertion(assertion)`: fails unless the argument is truthy.
pub fn assertion(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("assertion", &["assertion"], 1))?;
    if b.truthy("assertion", false) {
        Ok(Value::None)
    } else {
        Err(CallError::Failed("AssertionError".into()))
    }
}

/// `test.rand_sleep(max=60)`: sleeps 0..=max seconds.
pub fn rand_sleep(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("rand_sleep", &["max"], 0))?;
    let max = match b.get("max") {
        None => 60,
        v => to_int("rand_sleep", v)?,
    };
    let secs = if max <= 0 {
        0
    } else {
        random_u64() % (max as u64 + 1)
    };
    std::thread::sleep(std::time::Duration::from_secs(secs));
    Ok(Value::Bool(true))
}

/// `test.provider(module)`: the Salt source module behind a virtual module name.
pub fn provider(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("provider", &["module"], 1))?;
    let module = b.str("module").unwrap_or_default();
    let probe = format!("{module}.");
    let known = [
        "cmd", "config", "defaults", "grains", "pillar", "slsutil", "sys", "test",
    ]
    .contains(&module.as_str())
        || ctx.caller.has(&format!("{probe}*"));
    Ok(Value::from(match module.as_str() {
        "cmd" => "cmdmod",
        "sys" => "sysmod",
        _ if known => module.as_str(),
        _ => "",
    }))
}

/// `test.try(module, return_try_exception=False, **kwargs)`: None when the call fails.
pub fn try_(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "try_",
        params: &["module", "return_try_exception"],
        required: 1,
        varargs: false,
        varkw: true,
    })?;
    let module = b.str("module").unwrap_or_default();
    match ctx.caller.call(&module, Vec::new(), b.kwargs.clone()) {
        Ok(v) => Ok(v),
        Err(e) if b.truthy("return_try_exception", false) => Ok(Value::from(e.to_string())),
        Err(_) => Ok(Value::None),
    }
}

/// `test.attr_call()`: `grains.items` through the `__salt__` attribute style.
pub fn attr_call(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("attr_call", &[], 0))?;
    ctx.caller.call("grains.items", Vec::new(), Dict::new())
}

/// `test.deprecation_warning()`: True (the warnings go to the log).
pub fn deprecation_warning(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("deprecation_warning", &[], 0))?;
    tracing::warn!("Deprecation Message!");
    tracing::warn!("Deprecation Message 2!");
    Ok(Value::Bool(true))
}

/// `test.module_report()`: what the function table holds.
pub fn module_report(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("module_report", &[], 0))?;
    let funcs = ctx
        .caller
        .call("sys.list_functions", Vec::new(), Dict::new())?;
    let mut modules: Vec<Value> = Vec::new();
    for f in funcs.as_list().into_iter().flatten() {
        let m = f.to_py_str().split('.').next().unwrap_or("").to_string();
        if !modules.iter().any(|x| x.as_str() == Some(m.as_str())) {
            modules.push(Value::Str(m));
        }
    }
    let mut d = Dict::new();
    d.insert("functions", funcs.clone());
    d.insert("function_attrs", funcs.clone());
    d.insert("function_subs", funcs);
    d.insert("modules", Value::List(modules));
    d.insert("module_attrs", Value::List(Vec::new()));
    Ok(Value::Dict(d))
}

/// `test.not_loaded()`: rsalt compiles its modules in, so none failed to load.
pub fn not_loaded(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("not_loaded", &[], 0))?;
    Ok(Value::List(Vec::new()))
}

/// `test.opts_pkg()`: the options with the grains and pillar inside.
pub fn opts_pkg(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("opts_pkg", &[], 0))?;
    let mut o = (*ctx.opts).clone();
    o.insert("grains", Value::Dict((*ctx.grains).clone()));
    o.insert("pillar", Value::Dict(ctx.pillar()));
    Ok(Value::Dict(o))
}

/// `test.providers()`: rsalt has no provider overrides.
pub fn providers(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("providers", &[], 0))?;
    Ok(Value::dict())
}

/// `test.raise_exception(name, *args, **kwargs)`.
pub fn raise_exception(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "raise_exception",
        params: &["name"],
        required: 1,
        varargs: true,
        varkw: true,
    })?;
    let name = b.str("name").unwrap_or_default();
    let detail: Vec<String> = b.varargs.iter().map(Value::to_py_str).collect();
    Err(CallError::Failed(format!("{name}: {}", detail.join(", "))))
}

/// `test.stack()`: the call stack as text (rsalt has no Python frames to show).
pub fn stack(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("stack", &[], 0))?;
    Ok(Value::from(format!(
        "{}\n",
        std::backtrace::Backtrace::force_capture()
    )))
}

/// `test.versions_information()`: the versions rsalt reports.
pub fn versions_information(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("versions_information", &[], 0))?;
    let mut salt = Dict::new();
    salt.insert("Salt", Value::from(SALT_VERSION));
    let mut rsalt = Dict::new();
    rsalt.insert("rsalt", Value::from(env!("CARGO_PKG_VERSION")));
    let mut d = Dict::new();
    d.insert("Salt Version", Value::Dict(salt));
    d.insert("rsalt Version", Value::Dict(rsalt));
    Ok(Value::Dict(d))
}

/// `test.versions_report()`: the same as text lines.
pub fn versions_report(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let info = versions_information(ctx, args)?;
    let mut lines = Vec::new();
    for (section, entries) in info.as_dict().into_iter().flat_map(|d| d.iter()) {
        lines.push(Value::Str(format!("{section}:")));
        for (k, v) in entries.as_dict().into_iter().flat_map(|d| d.iter()) {
            lines.push(Value::Str(format!("{k:>20}: {}", v.to_py_str())));
        }
        lines.push(Value::from(" "));
    }
    Ok(Value::List(lines))
}
