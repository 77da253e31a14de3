//! Compiles the code-set tables in `codesets/` into compact, deflate-compressed blobs that
//! `src/codes/` embeds with `include_bytes!`. The TSV files stay the source of truth; this turns
//! them into a sorted binary index so that `claimkit codes lookup` never parses 10 MB of text at
//! start-up.
//!
//! Layouts (all integers little endian; days are counted from 2000-01-01; `0xFFFF` = no end):
//!
//! `icd10cm_directory.bin` (plain, a few kilobytes):
//! ```text
//! u32 record count, u32 block count,
//! block count x { [u8; 8] first code of the block (NUL padded), u32 offset, u32 length }
//! ```
//! `icd10cm_blocks.bin`: one independently deflated block per ~256 records (a code's periods
//! never straddle two blocks), each inflating to
//! ```text
//! u32 n, n x { [u8; 8] code, u16 valid_from, u16 valid_to, u32 flags, u32 title offset,
//!              u16 title length }, then the block's titles (UTF-8)
//! ```
//! `icd10cm_excludes1.bin` (deflated): u32 n, n x { [u8; 8] code, [u8; 8] from, [u8; 8] to }.
//! `small_tables.bin` (deflated): the small TSV files, each as u32 name length, name, u32 text
//! length, text.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::DeflateEncoder;

#[path = "src/codes/icd10cm_format.rs"]
mod icd10cm_format;
use icd10cm_format::{ATTRIBUTE_NAMES as ATTRIBUTES, BILLABLE_BIT, NO_END};

const TITLE_BLOCK: usize = 256;

const SMALL_TABLES: &[&str] =
    &["pos", "modifiers", "carc", "rarc", "cas_group", "claim_frequency", "claim_filing_indicator"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=codesets");
    println!("cargo:rerun-if-changed=src/codes/icd10cm_format.rs");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    let codesets = Path::new(&manifest).join("codesets");
    let out = Path::new(&out_dir);
    build_icd10cm(&codesets, out);
    build_small_tables(&codesets, out);
}

struct IcdRow {
    code: [u8; 8],
    from: u16,
    to: u16,
    flags: u32,
    title: String,
}

fn build_icd10cm(codesets: &Path, out: &Path) {
    let text = read(&codesets.join("icd10cm.tsv"));
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 6, "icd10cm.tsv:{}: expected 6 fields", i + 1);
        let mut flags = match f[1] {
            "1" => BILLABLE_BIT,
            "0" => 0,
            other => panic!("icd10cm.tsv:{}: billable {other:?}", i + 1),
        };
        for attr in f[4].split(',').filter(|a| !a.is_empty()) {
            let bit = ATTRIBUTES
                .iter()
                .position(|a| *a == attr)
                .unwrap_or_else(|| panic!("icd10cm.tsv:{}: unknown attribute {attr:?}", i + 1));
            flags |= 1 << bit;
        }
        rows.push(IcdRow {
            code: code8(f[0]),
            from: day(f[2]).unwrap_or_else(|| panic!("icd10cm.tsv:{}: valid_from", i + 1)),
            to: if f[3].is_empty() { NO_END } else { day(f[3]).expect("valid_to") },
            flags,
            title: f[5].to_string(),
        });
    }
    rows.sort_by_key(|r| (r.code, r.from));

    // Blocks of about TITLE_BLOCK records, never splitting one code's periods, each deflated on
    // its own: a lookup inflates one block of a few kilobytes, never the whole table.
    let mut data_blob = Vec::new();
    let mut directory = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let mut end = (start + TITLE_BLOCK).min(rows.len());
        while end < rows.len() && rows[end].code == rows[end - 1].code {
            end += 1;
        }
        let chunk = &rows[start..end];
        let mut titles = String::new();
        let mut records = Vec::new();
        records.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        for row in chunk {
            // Periods of one code usually share the title: store it once per block.
            let offset = titles.find(&row.title).filter(|_| !row.title.is_empty()).unwrap_or_else(|| {
                let at = titles.len();
                titles.push_str(&row.title);
                at
            });
            records.extend_from_slice(&row.code);
            records.extend_from_slice(&row.from.to_le_bytes());
            records.extend_from_slice(&row.to.to_le_bytes());
            records.extend_from_slice(&row.flags.to_le_bytes());
            records.extend_from_slice(&(offset as u32).to_le_bytes());
            records.extend_from_slice(&(row.title.len() as u16).to_le_bytes());
        }
        records.extend_from_slice(titles.as_bytes());
        let compressed = deflate(&records);
        directory.push((chunk[0].code, data_blob.len() as u32, compressed.len() as u32));
        data_blob.extend_from_slice(&compressed);
        start = end;
    }

    let mut index = Vec::new();
    index.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    index.extend_from_slice(&(directory.len() as u32).to_le_bytes());
    for (first, offset, len) in &directory {
        index.extend_from_slice(first);
        index.extend_from_slice(&offset.to_le_bytes());
        index.extend_from_slice(&len.to_le_bytes());
    }
    write(&out.join("icd10cm_directory.bin"), &index);
    write(&out.join("icd10cm_blocks.bin"), &data_blob);

    let ex = read(&codesets.join("icd10cm_excludes1.tsv"));
    let mut pairs = Vec::new();
    for (i, line) in ex.lines().enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "icd10cm_excludes1.tsv:{}: expected 3 fields", i + 1);
        pairs.push((code8(f[0]), code8(f[1]), code8(f[2])));
    }
    pairs.sort();
    let mut excludes = Vec::new();
    excludes.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
    for (code, from, to) in &pairs {
        excludes.extend_from_slice(code);
        excludes.extend_from_slice(from);
        excludes.extend_from_slice(to);
    }
    write(&out.join("icd10cm_excludes1.bin"), &deflate(&excludes));
}

fn build_small_tables(codesets: &Path, out: &Path) {
    let mut blob = Vec::new();
    for name in SMALL_TABLES {
        let text = read(&codesets.join(format!("{name}.tsv")));
        blob.extend_from_slice(&(name.len() as u32).to_le_bytes());
        blob.extend_from_slice(name.as_bytes());
        blob.extend_from_slice(&(text.len() as u32).to_le_bytes());
        blob.extend_from_slice(text.as_bytes());
    }
    write(&out.join("small_tables.bin"), &deflate(&blob));
    // Row counts for `codes status`, without inflating anything.
    let mut counts = String::new();
    for name in SMALL_TABLES {
        let rows = read(&codesets.join(format!("{name}.tsv"))).lines().skip(1).filter(|l| !l.is_empty()).count();
        let _ = writeln!(counts, "{name}\t{rows}");
    }
    write(&out.join("small_table_counts.tsv"), counts.as_bytes());
}

fn code8(code: &str) -> [u8; 8] {
    assert!(!code.is_empty() && code.len() <= 8 && code.bytes().all(|b| b.is_ascii_alphanumeric()), "code {code:?}");
    let mut out = [0u8; 8];
    out[..code.len()].copy_from_slice(code.as_bytes());
    out
}

/// Days from 2000-01-01 to an ISO date.
fn day(iso: &str) -> Option<u16> {
    let mut parts = iso.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    let days = days_from_civil(y, m, d) - days_from_civil(2000, 1, 1);
    u16::try_from(days).ok().filter(|d| *d != NO_END)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes).expect("deflate");
    enc.finish().expect("deflate")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
