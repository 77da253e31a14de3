//! Payer simulator (placeholder).
