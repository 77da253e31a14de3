//! The layout the build script writes the embedded ICD-10-CM table in and `icd10cm` reads it back
//! with: one file compiled into both (`build.rs` includes it by path), so the two cannot drift.

/// MCE attribute names in bit order: bit `i` of a period's flags is `ATTRIBUTE_NAMES[i]`.
pub const ATTRIBUTE_NAMES: &[&str] = &[
    "adult",
    "pediatric",
    "newborn",
    "maternity",
    "manifestation",
    "unacceptable",
    "ecodepdx",
    "unspecified",
    "male",
    "female",
    "qadm",
    "diabtypeI",
    "delout",
    "ncov6",
    "ncov_z302",
    "clintrial",
    "reqsdx",
    "wrngproc",
    "ncov7",
];

/// Set on a period that is a billable leaf code (the highest bit, clear of every attribute).
pub const BILLABLE_BIT: u32 = 1 << 31;

/// A `valid_to` day number meaning "no end".
pub const NO_END: u16 = 0xFFFF;
