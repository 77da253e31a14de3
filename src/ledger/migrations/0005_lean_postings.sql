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
--      claim_payments.service_lines  [{"ordinal":1, "procedure_code":"99213", "charge":"100.00", ...,
--                                      "adjustments":[["CO","45","20.00",null]], "remark_codes":["N130"]}]
-- 3. Indexes no query needs while billing: claims_status (reports scan), and claims by payer claim
--    number only where one is known.

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

DROP INDEX claims_status;
DROP INDEX claims_payer_claim_number;
CREATE INDEX claims_payer_claim_number ON claims (payer_claim_number) WHERE payer_claim_number IS NOT NULL;

ALTER TABLE claim_payments ADD COLUMN adjustments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE claim_payments ADD COLUMN remark_codes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE claim_payments ADD COLUMN service_lines TEXT NOT NULL DEFAULT '[]';

UPDATE claim_payments SET
    adjustments = (SELECT json_group_array(json_array(a.group_code, a.reason_code, a.amount, a.quantity) ORDER BY a.id)
                   FROM remit_adjustments a WHERE a.claim_payment_id = claim_payments.id AND a.service_payment_id IS NULL),
    remark_codes = (SELECT json_group_array(json_array(m.source, m.code) ORDER BY m.id)
                    FROM remit_remark_codes m WHERE m.claim_payment_id = claim_payments.id AND m.service_payment_id IS NULL),
    service_lines = (SELECT json_group_array(json_object(
                        'ordinal', sp.ordinal, 'matched_line_number', sp.matched_line_number,
                        'match_method', sp.match_method, 'qualifier', sp.qualifier, 'procedure_code', sp.procedure_code,
                        'modifiers', sp.modifiers, 'original_procedure_code', sp.original_procedure_code,
                        'charge', sp.charge, 'paid', sp.paid, 'allowed', sp.allowed, 'revenue_code', sp.revenue_code,
                        'units_paid', sp.units_paid, 'original_units', sp.original_units,
                        'service_date', sp.service_date, 'service_date_to', sp.service_date_to,
                        'line_control_number', sp.line_control_number, 'segment', sp.segment,
                        'adjustments', (SELECT json_group_array(json_array(a.group_code, a.reason_code, a.amount, a.quantity)
                                            ORDER BY a.id)
                                        FROM remit_adjustments a WHERE a.service_payment_id = sp.id),
                        'remark_codes', (SELECT json_group_array(m.code ORDER BY m.id)
                                         FROM remit_remark_codes m WHERE m.service_payment_id = sp.id)
                     ) ORDER BY sp.ordinal)
                     FROM service_payments sp WHERE sp.claim_payment_id = claim_payments.id);

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

-- The packed rows read back as rows. A service line's id is claim_payment_id * 1000 + ordinal (an
-- 835 claim has at most 999 SVC loops).
CREATE VIEW service_payments AS
SELECT cp.id * 1000 + (j.value ->> 'ordinal') AS id, cp.id AS claim_payment_id, j.value ->> 'ordinal' AS ordinal,
    CASE WHEN j.value ->> 'matched_line_number' IS NOT NULL THEN cp.matched_pcn END AS matched_pcn,
    j.value ->> 'matched_line_number' AS matched_line_number, j.value ->> 'match_method' AS match_method,
    j.value ->> 'qualifier' AS qualifier, j.value ->> 'procedure_code' AS procedure_code,
    j.value ->> 'modifiers' AS modifiers, j.value ->> 'original_procedure_code' AS original_procedure_code,
    j.value ->> 'charge' AS charge, j.value ->> 'paid' AS paid, j.value ->> 'allowed' AS allowed,
    j.value ->> 'revenue_code' AS revenue_code, j.value ->> 'units_paid' AS units_paid,
    j.value ->> 'original_units' AS original_units, j.value ->> 'service_date' AS service_date,
    j.value ->> 'service_date_to' AS service_date_to, j.value ->> 'line_control_number' AS line_control_number,
    j.value ->> 'segment' AS segment
FROM claim_payments cp, json_each(cp.service_lines) j;

CREATE VIEW remit_adjustments AS
SELECT cp.id AS claim_payment_id, NULL AS service_payment_id, a.value ->> 0 AS group_code, a.value ->> 1 AS reason_code,
    a.value ->> 2 AS amount, a.value ->> 3 AS quantity
FROM claim_payments cp, json_each(cp.adjustments) a
UNION ALL
SELECT cp.id, cp.id * 1000 + (j.value ->> 'ordinal'), a.value ->> 0, a.value ->> 1, a.value ->> 2, a.value ->> 3
FROM claim_payments cp, json_each(cp.service_lines) j, json_each(j.value, '$.adjustments') a;

CREATE VIEW remit_remark_codes AS
SELECT cp.id AS claim_payment_id, NULL AS service_payment_id, m.value ->> 0 AS source, m.value ->> 1 AS code
FROM claim_payments cp, json_each(cp.remark_codes) m
UNION ALL
SELECT cp.id, cp.id * 1000 + (j.value ->> 'ordinal'), 'LQ', m.value
FROM claim_payments cp, json_each(cp.service_lines) j, json_each(j.value, '$.remark_codes') m;
