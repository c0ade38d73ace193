//! State and execution modules, and the state runner.
//!
//! # Layout
//! - [`state`]: the [`state::StateModule`] trait, [`state::StateReturn`], the registry of
//!   state modules (`file`, `cmd`, `test`, `ini`, ...), one file per Salt module.
//! - [`exec`]: execution functions (`test.ping`, `cmd.run`, `grains.get`, `state.apply`, ...)
//!   in one name → function table, and [`exec::LocalCaller`], which serves them to Jinja's
//!   `salt[...]` and to the CLI.
//! - [`args`]: typed access to state/function arguments with Salt's coercions and errors.
//! - [`context`]: [`context::RunContext`], what a state or function can see (opts, grains,
//!   pillar, file server, caller, Jinja environment).

#![forbid(unsafe_code)]

pub mod args;
pub mod context;
pub mod exec;
pub mod highstate;
pub mod runner;
pub mod state;

pub use context::RunContext;
