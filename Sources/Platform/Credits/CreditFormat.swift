import Foundation

/// Millicredits as people read them in emails: `1,250.500`.
public enum CreditFormat {
    public static func text(_ millicredits: Int64) -> String {
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.numberStyle = .decimal
        formatter.usesGroupingSeparator = true
        formatter.groupingSeparator = ","
        formatter.groupingSize = 3
        formatter.minimumFractionDigits = 3
        formatter.maximumFractionDigits = 3
        return formatter.string(from: NSNumber(value: Double(millicredits) / 1_000)) ?? "\(Double(millicredits) / 1_000)"
    }
}
