import AsyncHTTPClient
import Foundation
@testable import Platform
import NIOCore
import Providers
import Testing

/// SendGrid against a stand-in written from its published API, SES v2 against moto's server (which
/// checks every request's SigV4 signature), and the failover list across SMTP, SendGrid and SES.
@Suite(.timeLimit(.minutes(2))) struct HTTPMailerTests {
    static func message(to address: String, from sender: String = "sender@voicepartner.test") -> EmailMessage {
        EmailMessage(id: "test-\(UUID().uuidString)@voicepartner.test", from: EmailAddress(sender, name: "VoicePartnerAI"),
                     to: EmailAddress(address), subject: "Hello \(address)", text: "text part", html: "<p>html part</p>",
                     headers: [("List-Unsubscribe", "<https://app.voicepartner.test/unsubscribe>")])
    }

    static func sendGrid(_ base: String, key: String = SendGridStandIn.apiKey) -> SendGridMailer {
        SendGridMailer(configuration: SendGridConfiguration(baseURL: base, apiKey: key, timeout: .seconds(10)))
    }

    @Test func sendGridTakesAMessageAndMapsItsRefusals() async throws {
        let standIn = SendGridStandIn()
        try await standIn.run { base in
            let message = Self.message(to: "ada@example.com")
            try await Self.sendGrid(base).send(message)
            let accepted = try #require(standIn.accepted.first)
            #expect(accepted.to == ["ada@example.com"])
            #expect(accepted.subject == "Hello ada@example.com")
            #expect(accepted.messageID == message.id)
            #expect(accepted.text == "text part")

            standIn.script(.throttle(resetIn: 30))
            await #expect {
                try await Self.sendGrid(base).send(Self.message(to: "b@example.com"))
            } throws: { error in
                guard case .transient(_, _, let retryAfter?) = error as? MailError else { return false }
                return retryAfter > .seconds(20) && retryAfter <= .seconds(31)
            }
            standIn.script(.fail(status: 503))
            await #expect {
                try await Self.sendGrid(base).send(Self.message(to: "c@example.com"))
            } throws: { error in
                if case .transient = error as? MailError { return true } else { return false }
            }
            await #expect {
                try await Self.sendGrid(base).send(Self.message(to: "not-an-address@nowhere"))
            } throws: { error in
                guard case .rejected(_, let address, _) = error as? MailError else { return false }
                return address == "not-an-address@nowhere"
            }
            await #expect {
                try await Self.sendGrid(base, key: "SG.wrong").send(Self.message(to: "d@example.com"))
            } throws: { error in
                if case .unavailable = error as? MailError { return true } else { return false }
            }
            #expect(standIn.accepted.count == 1)
        }
    }

    /// A batch of three with tokens: one request with a personalization each, substituted by the
    /// stand-in as SendGrid does; a refused address is rejected and the others go again without it.
    @Test func sendGridSendsABatchAsPersonalizations() async throws {
        let standIn = SendGridStandIn()
        try await standIn.run { base in
            let t = EmailBatch.token(0, html: false), h = EmailBatch.token(0, html: true)
            func recipient(_ address: String, _ name: String) -> EmailBatch.Recipient {
                EmailBatch.Recipient(id: "id-\(address)", to: EmailAddress(address),
                                     substitutions: [t: name, h: name.replacingOccurrences(of: "&", with: "&amp;")],
                                     headers: [("List-Unsubscribe", "<https://x.test/u/\(address)>")])
            }
            let batch = EmailBatch(from: EmailAddress("news@voicepartner.test"), subject: "Hi \(t)", text: "Dear \(t)", html: "<p>Dear \(h)</p>",
                                   recipients: [recipient("ada@example.com", "Ada & co"), recipient("broken@nowhere", "B"),
                                                recipient("cy@example.com", "Cy")])
            let results = await Self.sendGrid(base).send(batch)
            #expect(results[0] == nil && results[2] == nil)
            guard case .rejected(_, let address, _)? = results[1] else { Issue.record("\(String(describing: results[1]))"); return }
            #expect(address == "broken@nowhere")
            #expect(standIn.acceptedRequests == 1, "the refused request is not counted; the resend is one request")
            let accepted = Dictionary(uniqueKeysWithValues: standIn.accepted.map { ($0.to.first ?? "", $0) })
            #expect(accepted.count == 2)
            let ada = try #require(accepted["ada@example.com"])
            #expect(ada.subject == "Hi Ada & co")
            #expect(ada.text == "Dear Ada & co")
            #expect(ada.html == "<p>Dear Ada &amp; co</p>")
            #expect(ada.messageID == "id-ada@example.com")
            #expect(ada.headers["List-Unsubscribe"] == "<https://x.test/u/ada@example.com>")
            #expect(accepted["cy@example.com"]?.subject == "Hi Cy")

            standIn.script(.throttle(resetIn: 30))
            let throttled = await Self.sendGrid(base).send(batch.with([batch.recipients[0], batch.recipients[2]]))
            #expect(throttled.allSatisfy { if case .transient? = $0 { true } else { false } })
        }
    }

    /// SES's bulk endpoint takes the recipients whose values read the same in text and HTML; one
    /// whose name needs HTML escaping goes as a raw message of its own, and a refused address is
    /// rejected by its entry's status.
    @Test func sesSendsABatchThroughTheBulkEndpoint() async throws {
        let standIn = SESStandIn()
        try await standIn.run { base in
            let mailer = SESMailer(configuration: SESConfiguration(endpoint: base, region: "us-east-1", accessKeyID: "AKIDEXAMPLE",
                                                                   secretAccessKey: "secret", timeout: .seconds(10)))
            let t = EmailBatch.token(0, html: false), h = EmailBatch.token(0, html: true)
            func recipient(_ address: String, _ name: String, escaped: String? = nil) -> EmailBatch.Recipient {
                EmailBatch.Recipient(id: "id-\(address)@voicepartner.test", to: EmailAddress(address), substitutions: [t: name, h: escaped ?? name],
                                     headers: [("List-Unsubscribe", "<https://x.test/u/\(address)>")])
            }
            let batch = EmailBatch(from: EmailAddress("news@voicepartner.test"), subject: "Hi \(t)", text: "Dear \(t)", html: "<p>Dear \(h)</p>",
                                   recipients: [recipient("ada@example.com", "Ada"), recipient("oneil@example.com", "O'Neil", escaped: "O&#39;Neil"),
                                                recipient("cy@example.com", "Cy"), recipient("broken@nowhere", "B")])
            let results = await mailer.send(batch)
            #expect(results[0] == nil && results[1] == nil && results[2] == nil)
            guard case .rejected(_, let address, _)? = results[3] else { Issue.record("\(String(describing: results[3]))"); return }
            #expect(address == "broken@nowhere")
            #expect(standIn.bulkRequests == 1 && standIn.rawRequests == 1)
            let delivered = Dictionary(uniqueKeysWithValues: standIn.delivered.map { ($0.to, $0) })
            let ada = try #require(delivered["ada@example.com"])
            #expect(ada.bulk && ada.subject == "Hi Ada" && ada.text == "Dear Ada" && ada.html == "<p>Dear Ada</p>")
            #expect(ada.headers["List-Unsubscribe"] == "<https://x.test/u/ada@example.com>")
            let oneil = try #require(delivered["oneil@example.com"])
            #expect(!oneil.bulk && oneil.subject == "Hi O'Neil")

            // A skeleton with braces of its own would be read by SES's templating: every message goes raw.
            let braces = EmailBatch(from: batch.from, subject: "{{not ours}} \(t)", text: "x \(t)", html: "<p>\(h)</p>",
                                    recipients: [recipient("d@example.com", "D"), recipient("e@example.com", "E")])
            #expect(await mailer.send(braces).allSatisfy { $0 == nil })
            #expect(standIn.bulkRequests == 1 && standIn.rawRequests == 3)
        }
    }

    /// The failover list takes a batch: SendGrid takes it whole; throttled, the batch goes to SMTP
    /// one message at a time, each substituted.
    @Test func aBatchFailsOverToAProviderThatSendsOneByOne() async throws {
        let sink = try await SMTPSink.start()
        let standIn = SendGridStandIn()
        try await standIn.run { base in
            let mailer = FailoverMailer(providers: [Self.sendGrid(base), SMTPMailer(configuration: sink.configuration())], cooldown: .seconds(60))
            #expect(await mailer.batchLimit() == 1_000)
            let t = EmailBatch.token(0, html: false), h = EmailBatch.token(0, html: true)
            let batch = EmailBatch(from: EmailAddress("news@voicepartner.test"), subject: "For \(t)", text: "Text \(t)", html: "<b>\(h)</b>",
                                   recipients: (0..<5).map { EmailBatch.Recipient(id: "m\($0)@voicepartner.test",
                                                                                  to: EmailAddress("r\($0)@example.com"),
                                                                                  substitutions: [t: "R\($0)", h: "R\($0)"]) })
            #expect(await mailer.send(batch).allSatisfy { (try? $0.get()) == "sendgrid" })
            #expect(standIn.acceptedRequests == 1)
            standIn.script(.throttle(resetIn: 120))
            let results = await mailer.send(batch)
            #expect(results.allSatisfy { (try? $0.get()) == "smtp" })
            #expect(await mailer.batchLimit() == 1, "SendGrid cools down; SMTP sends one by one")
            #expect(sink.deliveries.map(\.subject).sorted() == ["For R0", "For R1", "For R2", "For R3", "For R4"])
            #expect(sink.deliveries.allSatisfy { $0.text.contains("Text R") })
        }
    }

    /// SES against moto: a signed request from an identity moto knows; the count comes from SES's
    /// own `GetSendQuota`.
    struct SESServer {
        let configuration: SESConfiguration

        init() throws {
            let environment = ProcessInfo.processInfo.environment
            let endpoint: String = try #require(environment["SES_TEST_ENDPOINT"], "run through scripts/test.sh, which starts moto")
            configuration = SESConfiguration(
                endpoint: endpoint,
                region: "us-east-1", accessKeyID: try #require(environment["SES_TEST_ACCESS_KEY_ID"]),
                secretAccessKey: try #require(environment["SES_TEST_SECRET_ACCESS_KEY"]), timeout: .seconds(10))
        }

        func signedPost(_ path: String, body: Data, contentType: String) async throws -> (Int, String) {
            let url = try #require(URL(string: configuration.endpoint + path))
            let host = "\(url.host ?? ""):\(url.port ?? 80)"
            let signed = SigV4(try await configuration.credentials.credentials(), region: configuration.region, service: "ses")
                .sign(method: "POST", path: path, headers: [("host", host), ("content-type", contentType)], payload: body)
            var request = HTTPClientRequest(url: configuration.endpoint + path)
            request.method = .POST
            request.headers.add(name: "content-type", value: contentType)
            for (name, value) in signed { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(data: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }

        func verify(_ address: String) async throws {
            let (status, text) = try await signedPost("/v2/email/identities", body: Data(#"{"EmailIdentity": "\#(address)"}"#.utf8),
                                                      contentType: "application/json")
            try #require(status == 200, "create identity: \(text)")
        }

        func sentCount() async throws -> Double {
            let (status, text) = try await signedPost("/", body: Data("Action=GetSendQuota&Version=2010-12-01".utf8),
                                                      contentType: "application/x-www-form-urlencoded")
            try #require(status == 200, "GetSendQuota: \(text)")
            let start = try #require(text.range(of: "<SentLast24Hours>"))
            let end = try #require(text.range(of: "</SentLast24Hours>"))
            return try #require(Double(text[start.upperBound..<end.lowerBound]))
        }
    }

    @Test func sesSendsASignedRawMessageAndRefusesAnUnverifiedSender() async throws {
        let ses = try SESServer()
        let sender = "ses-\(UUID().uuidString.prefix(8).lowercased())@voicepartner.test"
        let mailer = SESMailer(configuration: ses.configuration)
        await #expect {
            try await mailer.send(Self.message(to: "ada@example.com", from: sender))
        } throws: { error in
            guard case .unavailable(_, let text) = error as? MailError else { return false }
            return text.contains("MessageRejected")
        }
        try await ses.verify(sender)
        let before = try await ses.sentCount()
        try await mailer.send(Self.message(to: "ada@example.com", from: sender))
        // moto counts the message once per destination and once per address in its To header.
        #expect(try await ses.sentCount() > before)

        var forged = ses.configuration
        let genuine = try await forged.credentials.credentials()
        forged.credentials = AWSCredentialProvider(accessKeyID: genuine.accessKeyID, secretAccessKey: "not-the-secret")
        await #expect {
            try await SESMailer(configuration: forged).send(Self.message(to: "ada@example.com", from: sender))
        } throws: { error in
            if case .unavailable = error as? MailError { return true } else { return false }
        }
    }

    @Test func failoverRunsFromSMTPToSendGridToSES() async throws {
        let ses = try SESServer()
        let sender = "failover-\(UUID().uuidString.prefix(8).lowercased())@voicepartner.test"
        try await ses.verify(sender)
        let sink = try await SMTPSink.start()
        let standIn = SendGridStandIn()
        try await standIn.run { base in
            let mailer = FailoverMailer(providers: [SMTPMailer(configuration: sink.configuration()), Self.sendGrid(base),
                                                    SESMailer(configuration: ses.configuration)], cooldown: .seconds(60))
            #expect(try await mailer.send(Self.message(to: "one@example.com", from: sender)) == "smtp")
            await sink.stop()
            #expect(try await mailer.send(Self.message(to: "two@example.com", from: sender)) == "sendgrid")
            #expect(await mailer.isCooling("smtp"))
            standIn.script(.throttle(resetIn: 120))
            let before = try await ses.sentCount()
            #expect(try await mailer.send(Self.message(to: "three@example.com", from: sender)) == "ses")
            #expect(try await ses.sentCount() > before)
            #expect(await mailer.isCooling("sendgrid"))
            #expect(sink.deliveries.map(\.to) == ["one@example.com"])
            #expect(standIn.accepted.flatMap(\.to) == ["two@example.com"])
        }
    }
}
