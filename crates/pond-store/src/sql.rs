//! Small helpers for SQL text shared by both backends.

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` columns: the VALUES list
/// of a multi-row INSERT, which saves a round trip per row.
pub(crate) fn values(rows: usize, cols: usize) -> String {
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
            s.push('$');
            s.push_str(&n.to_string());
        }
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_every_placeholder_once() {
        assert_eq!(super::values(2, 3), "($1,$2,$3),($4,$5,$6)");
        assert_eq!(super::values(1, 1), "($1)");
    }
}
