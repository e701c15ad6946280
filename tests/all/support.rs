//! Shared test support: temporary storage, policies, and helpers to run the host.
