//! Integration tests live in `all/`; this library is empty so the crate has a target.
