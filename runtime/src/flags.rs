//! Printing a set of named bit flags, for the flag types of the public API.

use std::fmt;

/// Writes the names of the flags set in `bits`, joined by `|`, in the order of `names`;
/// `none` when no named flag is set.
pub(crate) fn write_flags(
    f: &mut fmt::Formatter<'_>,
    bits: u8,
    names: &[(u8, &str)],
    none: &str,
) -> fmt::Result {
    let mut first = true;
    for &(flag, name) in names {
        if flag != 0 && bits & flag == flag {
            f.write_str(if first { "" } else { "|" })?;
            f.write_str(name)?;
            first = false;
        }
    }
    if first {
        f.write_str(none)?;
    }
    Ok(())
}
