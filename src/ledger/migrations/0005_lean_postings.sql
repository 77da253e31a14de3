-- claimkit: foreign-keys-off (tables that other tables reference are rebuilt; checked before commit)
-- Fewer B-tree writes per claim billed and per claim paid (issues 5 and 6: 100,000 claims built in
-- seconds, a 100,000-claim 835 posted in seconds).
--
-- 1. claim_lines is clustered on its key (pcn, line_number): one B-tree instead of a table, its
--    primary-key index and a UNIQUE index on line_control_number. REF*6R is the PCN followed by the
--    line number (claim837::line_control_number), so it is unique by construction. The paid amount
--    per line is no longer kept here (it was rewritten by every 835): it is the sum of the posted
--    service lines matched to the line (claim show computes it).
-- 2. A claim payment (CLP) keeps its service lines (SVC), adjustments (CAS) and remark codes
--    (MIA/MOA/LQ) as JSON in its own row instead of one row per line, per adjustment and per remark.
--    Views with the old table names (service_payments, remit_adjustments, remit_remark_codes) read
--    them back as rows, for reports and ad-hoc SQL.
--      claim_payments.adjustments    [["CO","45","20.00",null], ...]    group, CARC, amount, quantity
--      claim_payments.remark_codes   [["MOA","MA130"], ...]             source, RARC
--      claim_payments.service_lines  one array per SVC, by position (compact: a 100,000-claim 835 is
--                                    tens of MB less to write than with named keys):
--        [0 ordinal, 1 matched_line_number, 2 match_method, 3 qualifier, 4 procedure_code, 5 modifiers,
--         6 original_procedure_code, 7 charge, 8 paid, 9 allowed, 10 revenue_code, 11 units_paid,
--         12 original_units, 13 service_date, 14 service_date_to, 15 line_control_number, 16 segment,
--         17 adjustments [[group, CARC, amount, quantity], ...], 18 remark_codes [RARC, ...]]
--        e.g. [1,1,"line_control_number","HC","99213","25",null,"125.00","80.00","100.00",null,"1",null,
--              "2026-11-01",null,"K7Q...01",12,[["CO","45","25.00",null]],[]]
-- 3. A posted claim's history entry (payment, denial, reversal) is its claim payment row instead
--    of a claim_events row of its own: the view claim_history (migration 7) is claim_events and
--    those entries (amount and wording made from the row), in order (seq, sub). event_seq is the newest
--    claim_events id when the 835 was posted, so a payment sorts after every event recorded before
--    it and before every event recorded after it; claim_paid_after is the claim's net paid amount
--    the posting left. Postings made before this migration keep their claim_events rows (their
--    claim payments have no event_seq).
-- 4. claims and claim_payments are rebuilt: claims clustered on pcn (WITHOUT ROWID: a lookup by
--    PCN is one B-tree search, not index then table), and every CHECK written as `x = 'a' OR ...`
--    instead of `x IN ('a', 'b', 'c')`: SQLite builds a temporary index for an IN list of three or
--    more values each time a statement runs, i.e. for every claim billed or paid.
-- 5. Indexes no query needs while billing or posting: claims_status (reports scan) and
--    claims_payer_claim_number (an 835 claim whose CLP01 matches nothing is looked up by CLP07 in a
--    map the posting builds once, on the first such claim).

CREATE TABLE claim_lines_v5 (
    pcn TEXT NOT NULL REFERENCES claims (pcn),
    line_number INTEGER NOT NULL,       -- LX01
    line_control_number TEXT NOT NULL,  -- REF*6R: pcn || two-digit line number
    procedure_code TEXT NOT NULL,
    modifiers TEXT NOT NULL,            -- ':'-separated, '' for none
    units TEXT NOT NULL,
    charge TEXT NOT NULL,
    date_of_service TEXT NOT NULL,
    rendering_npi TEXT,
    PRIMARY KEY (pcn, line_number)
) WITHOUT ROWID;
INSERT INTO claim_lines_v5 (pcn, line_number, line_control_number, procedure_code, modifiers, units, charge,
    date_of_service, rendering_npi)
SELECT pcn, line_number, line_control_number, procedure_code, modifiers, units, charge, date_of_service, rendering_npi
FROM claim_lines;
DROP TABLE claim_lines;
ALTER TABLE claim_lines_v5 RENAME TO claim_lines;

CREATE TABLE claims_v5 (
    pcn TEXT NOT NULL PRIMARY KEY,
    encounter_id TEXT NOT NULL REFERENCES encounters (id),
    payer_id TEXT NOT NULL,
    -- P primary, S secondary, T tertiary (SBR01 of the payer billed)
    responsibility TEXT NOT NULL CHECK (responsibility = 'P' OR responsibility = 'S' OR responsibility = 'T'),
    frequency TEXT NOT NULL CHECK (frequency = '1' OR frequency = '7' OR frequency = '8'),
    replaces_pcn TEXT REFERENCES claims (pcn),   -- for 7/8: the claim corrected or voided
    batch_id INTEGER REFERENCES batches (id),
    st02 TEXT,                          -- the transaction set carrying the claim
    encounter_hash TEXT NOT NULL,       -- encounter content_hash that was billed
    patient_id TEXT NOT NULL,
    first_dos TEXT NOT NULL,
    last_dos TEXT NOT NULL,
    total_charge TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status = 'submitted' OR status = 'accepted' OR status = 'rejected' OR status = 'paid'
        OR status = 'partially_paid' OR status = 'denied' OR status = 'reversed' OR status = 'forwarded'
        OR status = 'voided'),
    payer_claim_number TEXT,            -- from 277CA REF*1K or 835 CLP07
    paid_amount TEXT NOT NULL DEFAULT '0.00',       -- net of all postings so far
    patient_responsibility TEXT NOT NULL DEFAULT '0.00',
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO claims_v5 (pcn, encounter_id, payer_id, responsibility, frequency, replaces_pcn, batch_id, st02,
    encounter_hash, patient_id, first_dos, last_dos, total_charge, status, payer_claim_number, paid_amount,
    patient_responsibility, submitted_at, updated_at)
SELECT pcn, encounter_id, payer_id, responsibility, frequency, replaces_pcn, batch_id, st02, encounter_hash, patient_id,
    first_dos, last_dos, total_charge, status, payer_claim_number, paid_amount, patient_responsibility, submitted_at,
    updated_at
FROM claims;
DROP TABLE claims;
ALTER TABLE claims_v5 RENAME TO claims;
CREATE INDEX claims_encounter ON claims (encounter_id);
CREATE INDEX claims_first_dos ON claims (first_dos);

CREATE TABLE claim_payments_v5 (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    clp01 TEXT NOT NULL,
    matched_pcn TEXT REFERENCES claims (pcn),
    match_method TEXT CHECK (match_method = 'pcn' OR match_method = 'payer_claim_number'
        OR match_method = 'patient_date_charge'),
    status_code TEXT NOT NULL,          -- CLP02
    charge TEXT NOT NULL,
    paid TEXT NOT NULL,
    patient_responsibility TEXT NOT NULL,
    filing_indicator TEXT NOT NULL,
    payer_claim_number TEXT,            -- CLP07
    facility_type TEXT,
    frequency TEXT,
    statement_from TEXT,
    statement_to TEXT,
    received_date TEXT,
    claim_status_after TEXT,            -- claims.status this posting left
    segment INTEGER NOT NULL,
    adjustments TEXT NOT NULL DEFAULT '[]',
    remark_codes TEXT NOT NULL DEFAULT '[]',
    service_lines TEXT NOT NULL DEFAULT '[]',
    event_seq INTEGER,                  -- see 3. above; NULL for an unmatched claim
    claim_paid_after TEXT
);
INSERT INTO claim_payments_v5 (id, remittance_id, clp01, matched_pcn, match_method, status_code, charge, paid,
    patient_responsibility, filing_indicator, payer_claim_number, facility_type, frequency, statement_from,
    statement_to, received_date, claim_status_after, segment)
SELECT id, remittance_id, clp01, matched_pcn, match_method, status_code, charge, paid, patient_responsibility,
    filing_indicator, payer_claim_number, facility_type, frequency, statement_from, statement_to, received_date,
    claim_status_after, segment
FROM claim_payments;

UPDATE claim_payments_v5 SET
    adjustments = (SELECT json_group_array(json_array(a.group_code, a.reason_code, a.amount, a.quantity) ORDER BY a.id)
                   FROM remit_adjustments a WHERE a.claim_payment_id = claim_payments_v5.id AND a.service_payment_id IS NULL),
    remark_codes = (SELECT json_group_array(json_array(m.source, m.code) ORDER BY m.id)
                    FROM remit_remark_codes m WHERE m.claim_payment_id = claim_payments_v5.id AND m.service_payment_id IS NULL),
    service_lines = (SELECT json_group_array(json_array(
                        sp.ordinal, sp.matched_line_number, sp.match_method, sp.qualifier, sp.procedure_code,
                        sp.modifiers, sp.original_procedure_code, sp.charge, sp.paid, sp.allowed, sp.revenue_code,
                        sp.units_paid, sp.original_units, sp.service_date, sp.service_date_to, sp.line_control_number,
                        sp.segment,
                        (SELECT json_group_array(json_array(a.group_code, a.reason_code, a.amount, a.quantity) ORDER BY a.id)
                         FROM remit_adjustments a WHERE a.service_payment_id = sp.id),
                        (SELECT json_group_array(m.code ORDER BY m.id) FROM remit_remark_codes m WHERE m.service_payment_id = sp.id)
                     ) ORDER BY sp.ordinal)
                     FROM service_payments sp WHERE sp.claim_payment_id = claim_payments_v5.id);

-- Unmatched items and underpayments name their service line by its position in the claim payment.
CREATE TABLE remit_unmatched_v5 (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    claim_payment_id INTEGER NOT NULL REFERENCES claim_payments (id),
    line_ordinal INTEGER,               -- the SVC's position in the CLP (1-based), NULL for a claim
    kind TEXT NOT NULL CHECK (kind IN ('claim', 'line')),
    clp01 TEXT NOT NULL,
    procedure_code TEXT,
    charge TEXT NOT NULL,
    paid TEXT NOT NULL,
    reason TEXT NOT NULL,
    resolved_at TEXT
);
INSERT INTO remit_unmatched_v5 (id, remittance_id, claim_payment_id, line_ordinal, kind, clp01, procedure_code, charge,
    paid, reason, resolved_at)
SELECT u.id, u.remittance_id, u.claim_payment_id, (SELECT sp.ordinal FROM service_payments sp WHERE sp.id = u.service_payment_id),
    u.kind, u.clp01, u.procedure_code, u.charge, u.paid, u.reason, u.resolved_at
FROM remit_unmatched u;
DROP TABLE remit_unmatched;
ALTER TABLE remit_unmatched_v5 RENAME TO remit_unmatched;
CREATE INDEX remit_unmatched_remittance ON remit_unmatched (remittance_id);

CREATE TABLE remit_underpayments_v5 (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    claim_payment_id INTEGER NOT NULL REFERENCES claim_payments (id),
    line_ordinal INTEGER NOT NULL,      -- the SVC's position in the CLP (1-based)
    pcn TEXT NOT NULL,
    line_number INTEGER,                -- claim_lines.line_number when matched
    payer_id TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    modifier TEXT,
    service_date TEXT,
    allowed TEXT NOT NULL,
    allowed_source TEXT NOT NULL CHECK (allowed_source IN ('AMT*B6', 'paid+PR')),
    contract_rate TEXT NOT NULL,
    shortfall TEXT NOT NULL,            -- contract_rate - allowed
    tolerance TEXT NOT NULL,
    found_at TEXT NOT NULL
);
INSERT INTO remit_underpayments_v5 (id, remittance_id, claim_payment_id, line_ordinal, pcn, line_number, payer_id,
    procedure_code, modifier, service_date, allowed, allowed_source, contract_rate, shortfall, tolerance, found_at)
SELECT u.id, u.remittance_id, sp.claim_payment_id, sp.ordinal, u.pcn, u.line_number, u.payer_id, u.procedure_code,
    u.modifier, u.service_date, u.allowed, u.allowed_source, u.contract_rate, u.shortfall, u.tolerance, u.found_at
FROM remit_underpayments u JOIN service_payments sp ON sp.id = u.service_payment_id;
DROP TABLE remit_underpayments;
ALTER TABLE remit_underpayments_v5 RENAME TO remit_underpayments;
CREATE INDEX remit_underpayments_remittance ON remit_underpayments (remittance_id);

DROP TABLE remit_adjustments;
DROP TABLE remit_remark_codes;
DROP TABLE service_payments;
DROP TABLE claim_payments;
ALTER TABLE claim_payments_v5 RENAME TO claim_payments;
CREATE INDEX claim_payments_remittance ON claim_payments (remittance_id);
CREATE INDEX claim_payments_pcn ON claim_payments (matched_pcn);

-- The packed rows read back as rows. A service line's id is claim_payment_id * 1000 + ordinal (an
-- 835 claim has at most 999 SVC loops).
CREATE VIEW service_payments AS
SELECT cp.id * 1000 + (j.value ->> 0) AS id, cp.id AS claim_payment_id, j.value ->> 0 AS ordinal,
    CASE WHEN j.value ->> 1 IS NOT NULL THEN cp.matched_pcn END AS matched_pcn,
    j.value ->> 1 AS matched_line_number, j.value ->> 2 AS match_method,
    j.value ->> 3 AS qualifier, j.value ->> 4 AS procedure_code,
    j.value ->> 5 AS modifiers, j.value ->> 6 AS original_procedure_code,
    j.value ->> 7 AS charge, j.value ->> 8 AS paid, j.value ->> 9 AS allowed,
    j.value ->> 10 AS revenue_code, j.value ->> 11 AS units_paid,
    j.value ->> 12 AS original_units, j.value ->> 13 AS service_date,
    j.value ->> 14 AS service_date_to, j.value ->> 15 AS line_control_number,
    j.value ->> 16 AS segment
FROM claim_payments cp, json_each(cp.service_lines) j;

CREATE VIEW remit_adjustments AS
SELECT cp.id AS claim_payment_id, NULL AS service_payment_id, a.value ->> 0 AS group_code, a.value ->> 1 AS reason_code,
    a.value ->> 2 AS amount, a.value ->> 3 AS quantity
FROM claim_payments cp, json_each(cp.adjustments) a
UNION ALL
SELECT cp.id, cp.id * 1000 + (j.value ->> 0), a.value ->> 0, a.value ->> 1, a.value ->> 2, a.value ->> 3
FROM claim_payments cp, json_each(cp.service_lines) j, json_each(j.value, '$[17]') a;

CREATE VIEW remit_remark_codes AS
SELECT cp.id AS claim_payment_id, NULL AS service_payment_id, m.value ->> 0 AS source, m.value ->> 1 AS code
FROM claim_payments cp, json_each(cp.remark_codes) m
UNION ALL
SELECT cp.id, cp.id * 1000 + (j.value ->> 0), 'LQ', m.value
FROM claim_payments cp, json_each(cp.service_lines) j, json_each(j.value, '$[18]') m;

-- claim_history (3. above) is defined by migration 7, which adds the submissions to it.
