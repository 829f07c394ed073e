extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds, saturating at `Int`'s bounds instead of trapping.
    public var milliseconds: Int {
        let value = (seconds * 1000).rounded()
        return value >= Double(Int.max) ? .max : value <= Double(Int.min) ? .min : Int(value)
    }
}
