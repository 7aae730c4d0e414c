-- Values are kept as the JSON text the client wrote (type json), not re-encoded as jsonb, so a value
-- reads back exactly as stored, as in the in-process backend: key order, -0.0, integers up to 2**64-1,
-- floats such as 1e300 or 2.0**63 (jsonb prints those as integers), and "\u0000" escapes.
-- Rows written before this migration keep jsonb's printing of them.
ALTER TABLE {schema}.memory ALTER COLUMN value TYPE json USING value::json;
