import Foundation

/// A Call resource as Twilio returns it (the fields the platform uses).
public struct TwilioCall: Sendable, Decodable, Equatable {
    public let sid: String
    public let status: String
    public let to: String
    public let from: String
    /// RFC 2822, e.g. `Tue, 31 Aug 2010 20:36:28 +0000`.
    public let dateCreated: String?
    /// Seconds, as a string; present once the call ended.
    public let duration: String?

    enum CodingKeys: String, CodingKey {
        case sid, status, to, from, duration
        case dateCreated = "date_created"
    }

    public init(sid: String, status: String, to: String, from: String, dateCreated: String?, duration: String?) {
        self.sid = sid
        self.status = status
        self.to = to
        self.from = from
        self.dateCreated = dateCreated
        self.duration = duration
    }

    public var created: Date? { dateCreated.flatMap { Self.dateFormat.date(from: $0) } }

    // DateFormatter parses safely from several threads; it is only configured here.
    nonisolated(unsafe) static let dateFormat: DateFormatter = {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return format
    }()
}

/// A page of the Calls list.
struct TwilioCallPage: Decodable {
    let calls: [TwilioCall]
}

/// Twilio's error body: `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
struct TwilioErrorBody: Decodable {
    let code: Int?
    let message: String?
}
