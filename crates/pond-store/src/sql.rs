//! Small helpers for SQL text shared by both backends.

use crate::Backend;

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` columns: the VALUES list
/// of a multi-row INSERT, which saves a round trip per row.
///
/// SQLite gets anonymous `?` instead: sqlx looks up the name of every
/// numbered parameter, and SQLite finds a name by walking the list of them,
/// so 6,000 `$n` cost O(n²); `?` has no name to look up.
pub(crate) fn values(backend: Backend, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            n += 1;
            match backend {
                Backend::Sqlite => s.push('?'),
                Backend::Postgres => {
                    s.push('$');
                    s.push_str(&n.to_string());
                }
            }
        }
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    use crate::Backend;

    #[test]
    fn numbers_every_placeholder_once() {
        assert_eq!(
            super::values(Backend::Postgres, 2, 3),
            "($1,$2,$3),($4,$5,$6)"
        );
        assert_eq!(super::values(Backend::Sqlite, 2, 2), "(?,?),(?,?)");
    }
}
