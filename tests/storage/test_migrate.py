from gls_engine.storage.migrate import MIGRATIONS, split_statements


def test_a_comment_ending_in_a_semicolon_does_not_split_a_statement():
    sql = (
        "-- first;\nCREATE TABLE a (x UInt8)\n-- about b;\nENGINE = Memory;\n\n-- only a comment;\n"
    )
    assert split_statements(sql) == ["CREATE TABLE a (x UInt8)\nENGINE = Memory"]


def test_statements_split_at_semicolons_ending_a_line():
    sql = "SELECT 1;\nSELECT ';' AS s;\n  SELECT 3"
    assert split_statements(sql) == ["SELECT 1", "SELECT ';' AS s", "SELECT 3"]


def test_migrations_are_numbered_without_gaps():
    versions = [version for version, _, _ in MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))
