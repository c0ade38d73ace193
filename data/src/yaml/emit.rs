//! PyYAML-compatible emitter (see `dump`).
