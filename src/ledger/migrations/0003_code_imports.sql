-- Code sets the user imports (CPT, HCPCS, NCCI PTP, MUE, fee schedule, official CARC/RARC text).
-- One version of each table is in force; importing a different file of the same kind replaces it.
-- CPT descriptors live only here, in the user's own ledger.

-- Every import, newest last. replaced_at is NULL for the version in force.
CREATE TABLE code_imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('cpt', 'hcpcs', 'ncci-ptp', 'mue', 'fee-schedule', 'carc', 'rarc')),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    replaced_at TEXT
);
CREATE UNIQUE INDEX code_imports_in_force ON code_imports (kind) WHERE replaced_at IS NULL;

-- CPT and HCPCS Level II codes.
CREATE TABLE code_procedures (
    system TEXT NOT NULL CHECK (system IN ('cpt', 'hcpcs')),
    code TEXT NOT NULL,
    descriptor TEXT,
    valid_from TEXT,
    valid_to TEXT
);
CREATE INDEX code_procedures_code ON code_procedures (system, code);

-- NCCI procedure-to-procedure edits.
CREATE TABLE code_ncci_ptp (
    column1 TEXT NOT NULL,
    column2 TEXT NOT NULL,
    prior_1996 INTEGER NOT NULL CHECK (prior_1996 IN (0, 1)),
    effective TEXT NOT NULL,
    deletion TEXT,
    modifier_indicator INTEGER NOT NULL CHECK (modifier_indicator IN (0, 1, 9)),
    rationale TEXT NOT NULL
);

-- Medically unlikely edits.
CREATE TABLE code_mue (
    code TEXT PRIMARY KEY,
    units INTEGER NOT NULL CHECK (units >= 0),
    adjudication_indicator INTEGER NOT NULL CHECK (adjudication_indicator IN (1, 2, 3)),
    rationale TEXT NOT NULL
);

-- Contracted allowed amounts (decimal text).
CREATE TABLE code_fees (
    payer_id TEXT NOT NULL,
    code TEXT NOT NULL,
    modifier TEXT,
    allowed TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT
);

-- Official CARC/RARC descriptions.
CREATE TABLE code_official_text (
    system TEXT NOT NULL CHECK (system IN ('carc', 'rarc')),
    code TEXT NOT NULL,
    description TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT
);
