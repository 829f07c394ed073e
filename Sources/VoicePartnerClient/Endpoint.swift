import Foundation

/// One operation of the API as the OpenAPI document names it: method and path template. Every
/// request the client sends goes through one of these, and a test checks each against the document
/// the API serves, so the client cannot drift from the API's contract.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public let method: String
    public let path: String

    public init(_ method: String, _ path: String) {
        self.method = method
        self.path = path
    }

    public var description: String { "\(method) \(path)" }

    /// The path with `{name}` placeholders replaced, in order, by the (percent-encoded) values.
    func path(_ values: [String]) -> String {
        var result = ""
        var remaining = values[...]
        var inside = false
        for character in path {
            if character == "{" {
                inside = true
                let value = remaining.popFirst() ?? ""
                result += value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? ""
            } else if character == "}" {
                inside = false
            } else if !inside {
                result.append(character)
            }
        }
        return result
    }

    public static let enqueueJob = Endpoint("POST", "/api/jobs")
    public static let job = Endpoint("GET", "/api/jobs/{job}")
    public static let jobs = Endpoint("GET", "/api/jobs")
    public static let cancelJob = Endpoint("POST", "/api/jobs/{job}/cancel")
    public static let retryJob = Endpoint("POST", "/api/jobs/{job}/retry")
    public static let placeCall = Endpoint("POST", "/api/calls/outbound")
    public static let callStatus = Endpoint("GET", "/api/calls/{call}/status")
    public static let endCall = Endpoint("POST", "/api/calls/{call}/end")
    public static let invokeTool = Endpoint("POST", "/api/tools/{tool}/invoke")
    public static let testTool = Endpoint("POST", "/api/tools/{tool}/test")
    public static let credits = Endpoint("GET", "/api/credits")
    public static let callTranscript = Endpoint("GET", "/api/calls/{call}/transcript")
    public static let deployAssistant = Endpoint("POST", "/api/assistants/{assistant}/deploy")
    public static let assistantVersions = Endpoint("GET", "/api/assistants/{assistant}/versions")
    public static let rollbackAssistant = Endpoint("POST", "/api/assistants/{assistant}/versions/{version}/rollback")
    public static let startConversation = Endpoint("POST", "/api/assistants/{assistant}/conversations")
    public static let conversation = Endpoint("GET", "/api/assistants/{assistant}/conversations/{conversation}")
    public static let conversationTurn = Endpoint("POST", "/api/assistants/{assistant}/conversations/{conversation}/turns")
    public static let phoneNumbers = Endpoint("GET", "/api/phone-numbers")
    public static let registerNumber = Endpoint("POST", "/api/phone-numbers")
    public static let updateNumber = Endpoint("PUT", "/api/phone-numbers/{number}")
    public static let availableNumbers = Endpoint("GET", "/api/phone-numbers/available")
    public static let purchaseNumber = Endpoint("POST", "/api/phone-numbers/purchase")

    /// Every endpoint the client uses.
    public static let all: [Endpoint] = [
        enqueueJob, job, jobs, cancelJob, retryJob, placeCall, callStatus, endCall, invokeTool, testTool, credits, callTranscript,
        deployAssistant, assistantVersions, rollbackAssistant, startConversation, conversation, conversationTurn, phoneNumbers, registerNumber,
        updateNumber, availableNumbers, purchaseNumber,
    ]
}
