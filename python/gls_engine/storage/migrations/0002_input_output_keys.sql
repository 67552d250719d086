-- input_key / output_key (docs/span-schema.md): when `input` (`output`) is the
-- verbatim text of one string attribute, that attribute is no longer kept in
-- `attributes`; its key is stored here instead ('' otherwise), and reading a
-- span puts it back. Rows written before this migration read '' (all their
-- attributes are still in the map). Placed after `output`, as in the Arrow batch.
ALTER TABLE spans ADD COLUMN IF NOT EXISTS input_key LowCardinality(String) AFTER output;

ALTER TABLE spans ADD COLUMN IF NOT EXISTS output_key LowCardinality(String) AFTER input_key;
