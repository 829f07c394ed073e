import Foundation
import Jobs
import Platform
import Providers
import Testing

/// The SMTP provider and the failover list against real aiosmtpd servers.
@Suite(.timeLimit(.minutes(2))) struct SMTPMailerTests {
    static func message(to address: String, subject: String = "Grüße aus dem Test") -> EmailMessage {
        EmailMessage(id: "test-\(UUID().uuidString)@example.com", from: EmailAddress("sender@example.com", name: "VoicePartnerAI"),
                     to: EmailAddress(address, name: "Zoë Test"), subject: subject, text: "Hello.\n.leading dot line\n", html: "<p>Hello.</p>")
    }

    @Test func sendsOverStartTLSWithAuthAndTheBodyArrivesIntact() async throws {
        let sink = try await SMTPSink.start()
        let mailer = SMTPMailer(configuration: sink.configuration())
        let message = Self.message(to: "ada@example.com")
        try await mailer.send(message)
        let deliveries = sink.deliveries
        try #require(deliveries.count == 1)
        #expect(deliveries[0].to == "ada@example.com")
        #expect(deliveries[0].from == "sender@example.com")
        #expect(deliveries[0].subject == "Grüße aus dem Test")
        #expect(deliveries[0].messageID == "<\(message.id)>")
        #expect(deliveries[0].text == "Hello.\n.leading dot line\n")
    }

    @Test func replyCodesMapToRejectedTransientAndUnavailable() async throws {
        let sink = try await SMTPSink.start()
        let mailer = SMTPMailer(configuration: sink.configuration())
        await #expect {
            try await mailer.send(Self.message(to: "bounce-1@example.com"))
        } throws: { error in
            guard case .rejected(_, let address, _) = error as? MailError else { return false }
            return address == "bounce-1@example.com"
        }
        await #expect {
            try await mailer.send(Self.message(to: "busy@example.com"))
        } throws: { error in
            if case .transient = error as? MailError { return true } else { return false }
        }
        let wrongPassword = SMTPMailer(configuration: sink.configuration(password: "not it"))
        await #expect {
            try await wrongPassword.send(Self.message(to: "ada@example.com"))
        } throws: { error in
            if case .unavailable = error as? MailError { return true } else { return false }
        }
        #expect(sink.deliveries.isEmpty)
    }

    @Test func requiredStartTLSIsNotSkippedWhenTheRelayLacksIt() async throws {
        let plain = try await SMTPSink.start(tls: false, auth: false)
        let strict = SMTPMailer(configuration: SMTPConfiguration(host: "127.0.0.1", port: plain.port, security: .starttls))
        await #expect {
            try await strict.send(Self.message(to: "ada@example.com"))
        } throws: { error in
            if case .unavailable = error as? MailError { return true } else { return false }
        }
        let opportunistic = SMTPMailer(configuration: SMTPConfiguration(host: "127.0.0.1", port: plain.port, security: .opportunistic))
        try await opportunistic.send(Self.message(to: "ada@example.com"))
        #expect(plain.deliveries.count == 1)
    }

    @Test func anUntrustedCertificateFailsTheSend() async throws {
        let sink = try await SMTPSink.start()
        var configuration = sink.configuration()
        configuration.caFile = nil
        await #expect {
            try await SMTPMailer(configuration: configuration).send(Self.message(to: "ada@example.com"))
        } throws: { error in
            if case .transient = error as? MailError { return true } else { return false }
        }
        #expect(sink.deliveries.isEmpty)
    }

    @Test func failoverSkipsAStoppedRelayAndCoolsItDown() async throws {
        let first = try await SMTPSink.start()
        let second = try await SMTPSink.start()
        let primary = NamedProvider(name: "primary", inner: SMTPMailer(configuration: first.configuration()))
        let backup = NamedProvider(name: "backup", inner: SMTPMailer(configuration: second.configuration()))
        let mailer = FailoverMailer(providers: [primary, backup], cooldown: .seconds(60))

        #expect(try await mailer.send(Self.message(to: "one@example.com")) == "primary")
        await first.stop()
        #expect(try await mailer.send(Self.message(to: "two@example.com")) == "backup")
        #expect(await mailer.isCooling("primary"))
        #expect(try await mailer.send(Self.message(to: "three@example.com")) == "backup")
        #expect(first.deliveries.map(\.to) == ["one@example.com"])
        #expect(second.deliveries.map(\.to) == ["two@example.com", "three@example.com"])

        // A rejected address is not offered to the next provider.
        await #expect(throws: MailError.self) { try await mailer.send(Self.message(to: "bounce@example.com")) }
        #expect(second.deliveries.count == 2)
        await second.stop()
        await #expect(throws: MailError.self) { try await mailer.send(Self.message(to: "four@example.com")) }
    }
}

/// Gives a provider another name, so two of the same kind can stand in a failover list.
struct NamedProvider: MailProvider {
    let name: String
    let inner: any MailProvider

    func send(_ message: EmailMessage) async throws(MailError) {
        do {
            try await inner.send(message)
        } catch {
            switch error {
            case .transient(_, let text, let retryAfter): throw .transient(provider: name, text, retryAfter: retryAfter)
            case .rejected(_, let address, let text): throw .rejected(provider: name, address: address, text)
            case .unavailable(_, let text): throw .unavailable(provider: name, text)
            }
        }
    }
}
