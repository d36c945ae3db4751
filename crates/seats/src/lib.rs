//! Seat licensing and billing hooks (issue #5): the seat policy (`decide`), billing
//! event payloads, Standard Webhooks signing and the retry schedule. Pure, like `scim`
//! and `oauth`; its only I/O will be one webhook delivery attempt. Empty until then.
