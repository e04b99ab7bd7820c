/**
 * SQL key words that PostgreSQL 15 reserves: what `SELECT word FROM pg_get_keywords() WHERE catcode
 * IN ('R', 'T')` returns, the "reserved" and "reserved (can be function or type)" rows of the
 * PostgreSQL 15 docs' Appendix C. Taken from src/include/parser/kwlist.h of PostgreSQL 15.20 (the
 * list pg_get_keywords() reads), categories RESERVED_KEYWORD and TYPE_FUNC_NAME_KEYWORD. Such a word
 * cannot name a database or a role that SQL writes unquoted (CREATE DATABASE user fails).
 */
export const POSTGRES_KEYWORDS_VERSION = 15;

/** catcode R: reserved. */
const RESERVED: readonly string[] = [
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case",
    "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
    "current_date", "current_role", "current_time", "current_timestamp", "current_user", "default",
    "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for",
    "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into",
    "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null", "offset", "on",
    "only", "or", "order", "placing", "primary", "references", "returning", "select",
    "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union",
    "unique", "user", "using", "variadic", "when", "where", "window", "with",
];

/** catcode T: reserved, but allowed as a function or type name. */
const TYPE_FUNCTION_NAME: readonly string[] = [
    "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze",
    "full", "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull",
    "outer", "overlaps", "right", "similar", "tablesample", "verbose",
];

export const POSTGRES_KEYWORDS: readonly string[] = [...RESERVED, ...TYPE_FUNCTION_NAME];
