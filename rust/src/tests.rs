//! End-to-end tests of decode_traces (protobuf/JSON -> RecordBatch).
