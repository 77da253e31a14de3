-- Foundation: key/value settings, control numbers, and the files claimkit has processed.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Last control number handed out per sender/receiver pair and kind (ISA13, GS06, ST02).
CREATE TABLE control_numbers (
    sender TEXT NOT NULL,
    receiver TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ISA13', 'GS06', 'ST02')),
    last_value INTEGER NOT NULL CHECK (last_value >= 0),
    PRIMARY KEY (sender, receiver, kind)
);

-- Every input file processed, by kind (encounters, remit, ack, codes:...) and content hash:
-- the same content is never processed twice.
CREATE TABLE processed_files (
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (kind, sha256)
);
