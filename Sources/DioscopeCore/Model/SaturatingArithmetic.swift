extension UInt64 {
    /// `self + other`, or `UInt64.max` when that overflows. Trace fields
    /// can hold anything (flush requests carry sector (sector_t)-1, damaged
    /// input carries garbage): range arithmetic on them must not trap.
    @inlinable
    public func addingSaturating(_ other: UInt64) -> UInt64 {
        let (r, o) = addingReportingOverflow(other)
        return o ? .max : r
    }
}
