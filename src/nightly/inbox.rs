//! The inbox: a directory where the EMR drops encounter exports and the clearinghouse drops
//! acknowledgments (999, TA1, 277CA), remittances (835) and eligibility answers (271). Each file is recognised by its content,
//! not its name: an X12 interchange by its ISA header and the first ST01 (or TA1) inside it,
//! anything else is an EMR export for the importer to detect.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::x12::SegmentReader;

/// What an inbox file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxKind {
    /// CSV, FHIR JSON/NDJSON or HL7 v2: encounters to import.
    Encounters,
    /// 999, TA1 or 277CA.
    Acknowledgment,
    /// 835.
    Remittance,
    /// 271: eligibility answers.
    Eligibility,
    /// An X12 transaction claimkit does not take in through the inbox (837, 270...).
    OtherX12,
}

/// Recognises a file by its first bytes: X12 (starts with `ISA`, after optional whitespace/BOM)
/// is classified by its first ST01 or TA1; anything else is an EMR export.
pub fn classify(path: &Path) -> io::Result<InboxKind> {
    let mut head = Vec::with_capacity(16);
    crate::files::open_input(path)?.take(16).read_to_end(&mut head)?;
    let start = head.iter().position(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
    if !start.is_some_and(|s| head[s..].starts_with(b"ISA")) {
        return Ok(InboxKind::Encounters);
    }
    let mut reader = SegmentReader::new(BufReader::new(crate::files::open_input(path)?));
    loop {
        let seg = match reader.next_segment() {
            Ok(Some(seg)) => seg,
            Ok(None) => break,
            // X12 that cannot be read: an input error for a person to look at.
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        };
        match seg.id() {
            "TA1" => return Ok(InboxKind::Acknowledgment),
            "ST" => {
                return Ok(match seg.trimmed(1).as_str() {
                    "835" => InboxKind::Remittance,
                    "271" => InboxKind::Eligibility,
                    "999" | "997" | "277" => InboxKind::Acknowledgment,
                    _ => InboxKind::OtherX12,
                });
            }
            _ => {}
        }
    }
    Ok(InboxKind::OtherX12)
}

/// What an inbox holds: the files to process, and entries that were not taken, with why.
#[derive(Debug, Default)]
pub struct InboxListing {
    pub files: Vec<PathBuf>,
    /// Symbolic links leading out of the inbox (or nowhere), FIFOs, devices, sockets: reported,
    /// never read.
    pub refused: Vec<(PathBuf, String)>,
}

/// The regular files of `dir`, by name, skipping hidden files and partial downloads
/// (`.tmp`, `.part`, `.partial`) and subdirectories. A symbolic link is followed only when it
/// leads to a regular file inside the inbox; any other link, and any entry that is not a regular
/// file, is listed in [`InboxListing::refused`].
pub fn list_files(dir: &Path) -> io::Result<InboxListing> {
    let mut listing = InboxListing::default();
    let inbox = std::fs::canonicalize(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || [".tmp", ".part", ".partial"].iter().any(|s| name.ends_with(s)) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_file() {
            listing.files.push(entry.path());
        } else if kind.is_symlink() {
            let target = std::fs::canonicalize(entry.path());
            match target {
                Ok(t) if t.starts_with(&inbox) && t.is_file() => listing.files.push(entry.path()),
                Ok(t) if t.starts_with(&inbox) => listing.refused.push((
                    entry.path(),
                    "symbolic link to something in the inbox that is not a file: not read".into(),
                )),
                Ok(_) => listing
                    .refused
                    .push((entry.path(), "symbolic link to a file outside the inbox: not followed".into())),
                Err(_) => listing.refused.push((entry.path(), "symbolic link that leads nowhere".into())),
            }
        } else if !kind.is_dir() {
            listing.refused.push((entry.path(), "not a regular file (a FIFO, socket or device): not read".into()));
        }
    }
    listing.files.sort();
    listing.refused.sort();
    Ok(listing)
}

/// Moves a processed file into `archive_dir/<day>/`, never overwriting: a name already there gets
/// a `-1`, `-2`... suffix. Returns the new path.
pub fn archive(path: &Path, archive_dir: &Path, day: chrono::NaiveDate) -> io::Result<PathBuf> {
    let dir = archive_dir.join(day.to_string());
    std::fs::create_dir_all(&dir)?;
    let name = path.file_name().ok_or_else(|| io::Error::other("not a file"))?;
    let mut target = dir.join(name);
    let mut n = 1;
    while target.exists() {
        let stem = Path::new(name).file_stem().unwrap_or(name).to_string_lossy().to_string();
        let ext = Path::new(name).extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
        target = dir.join(format!("{stem}-{n}{ext}"));
        n += 1;
    }
    if std::fs::rename(path, &target).is_err() {
        // Another file system: copy durably, then remove the original.
        std::fs::copy(path, &target)?;
        File::open(&target)?.sync_all()?;
        std::fs::remove_file(path)?;
    }
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261125*1200*^*00501*000000001*0*T*:~";

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn files_are_recognised_by_content_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let remit =
            write(dir.path(), "a.txt", &format!("{ISA}\nGS*HP*S*R*20261125*1200*1*X*005010X221A1~ST*835*0001~"));
        let ack = write(dir.path(), "b.835", &format!("{ISA}GS*FA*S*R*20261125*1200*1*X*005010X231A1~ST*999*0001~"));
        let ta1 = write(dir.path(), "c", &format!("{ISA}TA1*000000001*261125*1200*A*000~"));
        let claims = write(dir.path(), "d", &format!("{ISA}GS*HC*S*R*20261125*1200*1*X*005010X222A1~ST*837*0001~"));
        let eligibility =
            write(dir.path(), "g", &format!("{ISA}GS*HB*S*R*20261125*1200*1*X*005010X279A1~ST*271*0001~"));
        assert_eq!(classify(&eligibility).unwrap(), InboxKind::Eligibility);
        let csv = write(dir.path(), "e.x12", "encounter_id,patient_id\nE1,P1\n");
        assert_eq!(classify(&remit).unwrap(), InboxKind::Remittance);
        assert_eq!(classify(&ack).unwrap(), InboxKind::Acknowledgment);
        assert_eq!(classify(&ta1).unwrap(), InboxKind::Acknowledgment);
        assert_eq!(classify(&claims).unwrap(), InboxKind::OtherX12);
        assert_eq!(classify(&csv).unwrap(), InboxKind::Encounters);
        let broken = write(dir.path(), "f.835", "ISA*00*garbage~");
        assert_eq!(classify(&broken).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn listing_skips_hidden_and_partial_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.csv", "a.835", ".hidden", "c.835.part", "d.tmp"] {
            write(dir.path(), name, "x");
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let names: Vec<String> = list_files(dir.path())
            .unwrap()
            .files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, ["a.835", "b.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_only_inside_the_inbox_and_reported_otherwise() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let secret = write(outside.path(), "secret.csv", "x");
        let inside = write(dir.path(), "a.csv", "x");
        std::os::unix::fs::symlink(&secret, dir.path().join("b.csv")).unwrap();
        std::os::unix::fs::symlink(&inside, dir.path().join("c.csv")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("d.csv")).unwrap();
        let listing = list_files(dir.path()).unwrap();
        let names = |v: Vec<&PathBuf>| -> Vec<String> {
            v.iter().map(|p| p.file_name().unwrap().to_string_lossy().to_string()).collect()
        };
        assert_eq!(names(listing.files.iter().collect()), ["a.csv", "c.csv"]);
        assert_eq!(names(listing.refused.iter().map(|(p, _)| p).collect()), ["b.csv", "d.csv"]);
        assert!(listing.refused[0].1.contains("outside the inbox"));
    }

    #[test]
    fn archiving_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let archive_dir = dir.path().join("archive");
        let first = archive(&write(dir.path(), "r.835", "one"), &archive_dir, day).unwrap();
        let second = archive(&write(dir.path(), "r.835", "two"), &archive_dir, day).unwrap();
        assert_eq!(first, archive_dir.join("2026-11-25/r.835"));
        assert_eq!(second, archive_dir.join("2026-11-25/r-1.835"));
        assert_eq!(std::fs::read_to_string(second).unwrap(), "two");
        assert!(!dir.path().join("r.835").exists());
    }
}
